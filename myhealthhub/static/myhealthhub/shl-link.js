// The SMART Health Link itself: its payload read from "shlink:/…" and checked,
// by the same rules as sharing/viewer/payload.py.
(function (SHL) {
  "use strict";

  const { ViewerError, fromBase64url, utf8 } = SHL;
  const KNOWN_VERSION = 1;
  // The same rules as sharing/viewer/payload.py.
  const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  const LARGEST_EPOCH_SECONDS = 1e11;

  // The payload of "shlink:/…", alone or after a viewer's address and "#".
  function readLink(text) {
    const found = /(?:^|#)shlink:\/([^#]*)$/i.exec(String(text).trim());
    if (!found) {
      throw new ViewerError("not_a_link");
    }
    let payload;
    try {
      payload = JSON.parse(utf8(fromBase64url(found[1])));
    } catch (error) {
      throw new ViewerError("not_a_link");
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      throw new ViewerError("not_a_link");
    }
    const link = {
      url: manifestUrl(payload.url),
      key: payload.key,
      flags: flagsOf(payload.flag),
      // An absent property and a null one are the same (as in payload.py).
      label: payload.label == null ? "" : payload.label,
      expires: expiryOf(payload.exp),
      version: payload.v == null ? KNOWN_VERSION : payload.v,
    };
    if (typeof link.key !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(link.key)) {
      throw new ViewerError("not_a_link");
    }
    if (typeof link.label !== "string" || link.label.length > 80) {
      throw new ViewerError("not_a_link");
    }
    if (!Number.isInteger(link.version) || link.version < 1) {
      throw new ViewerError("not_a_link");
    }
    return link;
  }

  function manifestUrl(value) {
    if (typeof value !== "string" || /[\s\u0000-\u001f\u007f]/.test(value)) {
      throw new ViewerError("not_a_link");
    }
    let url;
    try {
      url = new URL(value);
    } catch (error) {
      throw new ViewerError("not_a_link");
    }
    const local = url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname);
    if (url.protocol !== "https:" && !local) {
      throw new ViewerError("not_a_link");
    }
    return url.href;
  }

  // Letters in alphabetical order; those this viewer does not know are ignored.
  function flagsOf(value) {
    if (value == null) {
      return new Set();
    }
    if (typeof value !== "string" || !/^[A-Z]*$/.test(value)) {
      throw new ViewerError("not_a_link");
    }
    const letters = value.split("");
    const ordered = Array.from(new Set(letters)).sort().join("");
    if (ordered !== value || (letters.includes("P") && letters.includes("U"))) {
      throw new ViewerError("not_a_link");
    }
    return new Set(letters);
  }

  function expiryOf(value) {
    if (value == null) {
      return null;
    }
    // The guide's own example writes "1767225600000": digits, in milliseconds.
    const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isFinite(number) || number < 0) {
      throw new ViewerError("not_a_link");
    }
    const moment = new Date(number > LARGEST_EPOCH_SECONDS ? number : number * 1000);
    if (Number.isNaN(moment.getTime())) {
      throw new ViewerError("not_a_link");
    }
    return moment;
  }

  Object.assign(SHL, { KNOWN_VERSION, readLink });
})(window.SHLViewer);
