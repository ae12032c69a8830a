// Decrypting a file: a compact JWE with WebCrypto, and DEFLATE undone.
(function (SHL) {
  "use strict";

  const { ViewerError, fromBase64url, utf8, readAll } = SHL;

  // "zip": "DEF" in a JWE or a JWS: raw DEFLATE (RFC 1951), without zlib's header.
  async function inflateRaw(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    try {
      return await readAll(stream);
    } catch (error) {
      throw error instanceof ViewerError ? error : new ViewerError("undecryptable");
    }
  }

  // A compact JWE with "alg": "dir" and "enc": "A256GCM" (RFC 7516): AES-GCM with
  // a 128-bit tag, the base64url protected header, as ASCII, its additional data.
  async function decrypt(compact, key) {
    const pieces = compact.split(".");
    if (pieces.length !== 5 || pieces[1] !== "") {
      throw new ViewerError("undecryptable");
    }
    let header;
    let iv;
    let sealed;
    try {
      header = JSON.parse(utf8(fromBase64url(pieces[0])));
      iv = fromBase64url(pieces[2]);
      const ciphertext = fromBase64url(pieces[3]);
      const tag = fromBase64url(pieces[4]);
      sealed = new Uint8Array(ciphertext.length + tag.length);
      sealed.set(ciphertext);
      sealed.set(tag, ciphertext.length);
    } catch (error) {
      throw new ViewerError("undecryptable");
    }
    if (!header || header.alg !== "dir" || header.enc !== "A256GCM") {
      throw new ViewerError("undecryptable");
    }
    let plain;
    try {
      const secret = await crypto.subtle.importKey("raw", fromBase64url(key), "AES-GCM", false, [
        "decrypt",
      ]);
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: iv,
            additionalData: new TextEncoder().encode(pieces[0]),
            tagLength: 128,
          },
          secret,
          sealed,
        ),
      );
    } catch (error) {
      throw new ViewerError("undecryptable");
    }
    if (header.zip === "DEF") {
      plain = await inflateRaw(plain);
    } else if (header.zip !== undefined) {
      throw new ViewerError("undecryptable");
    }
    return { header: header, bytes: plain };
  }

  Object.assign(SHL, { inflateRaw, decrypt });
})(window.SHLViewer);
