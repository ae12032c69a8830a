// The SMART Health Link viewer (HL7 SMART Health Cards and Links IG v1.0.0).
//
// Everything happens in this browser. The link's payload is read from the
// address's fragment ("#shlink:/…"), which browsers never send to a server,
// so the key that decrypts the files never reaches this site or its logs.
// The files are fetched from the address the link names (this site or any
// other SMART Health Links server) and decrypted with WebCrypto.
//
// The scripts hold no words of their own: the page (sharing/viewer/page.html)
// hands them every message in the reader's language, in <template> elements.
// Nothing from a file is ever put into the page as HTML: only as text.
//
// This file is the page: the passcode form, the messages, and each file in its
// place. The other shl-*.js files, run before it (see page.html), do the rest.
(function (SHL) {
  "use strict";

  const { ViewerError, say, element, utf8, KNOWN_VERSION, readLink } = SHL;
  const { fetchDirect, manifestFiles, decrypt, showFhir, showHealthCard } = SHL;
  // Nothing loaded later may change what the viewer's files share.
  Object.freeze(SHL);

  // Shown to the person who shared the link when the reader gives no name.
  const DEFAULT_RECIPIENT = "MyHealthHub viewer";

  const root = document.querySelector("[data-shl-viewer]");
  if (!root) {
    return;
  }

  function part(name) {
    return root.querySelector('[data-shl-part="' + name + '"]');
  }

  function setStatus(text) {
    part("status").textContent = text || "";
  }

  function showError(error) {
    const box = part("error");
    box.textContent = messageOf(error);
    box.hidden = false;
  }

  function clearError() {
    const box = part("error");
    box.textContent = "";
    box.hidden = true;
  }

  function messageOf(error) {
    if (error instanceof ViewerError) {
      return say(error.kind, error.values);
    }
    return say("undecryptable");
  }

  function showDownload(bytes, mediaType, into) {
    const box = element("section", "shl-download");
    const isPdf = mediaType === "application/pdf";
    box.append(element("p", "", isPdf ? say("pdf") : say("file_of_type", { type: mediaType })));
    const link = element("a", "button", say("download"));
    link.href = URL.createObjectURL(new Blob([bytes], { type: mediaType }));
    link.download = isPdf ? "shared-document.pdf" : "shared-file";
    box.append(link);
    into.append(box);
  }

  // A file with no type, neither in a manifest nor in its "cty": what its bytes say.
  // The guide's own IPS example file (flag U, no manifest) has no "cty".
  function sniff(bytes) {
    if (utf8Prefix(bytes, 5) === "%PDF-") {
      return "application/pdf";
    }
    try {
      const data = JSON.parse(utf8(bytes));
      if (data && Array.isArray(data.verifiableCredential)) {
        return "application/smart-health-card";
      }
      if (data && typeof data.resourceType === "string") {
        return "application/fhir+json";
      }
    } catch (error) {
      // Not JSON: offered for download as it is.
    }
    return "application/octet-stream";
  }

  function utf8Prefix(bytes, length) {
    return new TextDecoder("utf-8").decode(bytes.subarray(0, length));
  }

  // ``fetchFile`` answers the compact JWE and the manifest's content type for it.
  async function showFile(link, fetchFile, into) {
    const { encrypted, contentType } = await fetchFile();
    const { header, bytes } = await decrypt(encrypted, link.key);
    const declared = contentType || (typeof header.cty === "string" ? header.cty : "");
    const mediaType = declared.split(";")[0].trim().toLowerCase() || sniff(bytes);
    if (mediaType === "application/fhir+json") {
      showFhir(bytes, into);
    } else if (mediaType === "application/smart-health-card") {
      await showHealthCard(bytes, into);
    } else {
      showDownload(bytes, mediaType, into);
    }
  }

  // --- The page -----------------------------------------------------------------

  // The header's language buttons post to the server, which sends the reader
  // back here. A fragment on the form's address is never sent, but the browser
  // puts it back on the address it is sent back to: the link survives.
  function keepLinkAcrossLanguages() {
    document.querySelectorAll("form.language-switch").forEach(function (form) {
      const action = (form.getAttribute("action") || "").split("#")[0];
      form.setAttribute("action", action + location.hash);
    });
  }

  async function open(link, passcode, recipient) {
    const form = part("passcode");
    const button = form.querySelector("button");
    button.disabled = true;
    clearError();
    setStatus(say("fetching"));
    let files;
    try {
      if (link.flags.has("U")) {
        const direct = await fetchDirect(link, recipient);
        files = [() => direct];
      } else {
        files = await manifestFiles(link, passcode, recipient);
      }
    } catch (error) {
      setStatus("");
      button.disabled = false;
      showError(error);
      if (error.kind === "passcode_wrong" || error.kind === "passcode_wrong_uncounted") {
        form.hidden = false;
        document.getElementById("shl-passcode").value = "";
        document.getElementById("shl-passcode").focus();
      } else {
        form.hidden = true;
      }
      return;
    }
    form.hidden = true;
    setStatus(say("decrypting"));
    const shown = part("files");
    if (!files.length) {
      shown.append(element("p", "", say("nothing")));
    }
    // One file that fails says so in its place; the others are still shown.
    for (const file of files) {
      const place = element("article", "shl-file");
      shown.append(place);
      try {
        await showFile(link, file, place);
      } catch (error) {
        place.append(element("p", "error-box", messageOf(error)));
      }
    }
    setStatus("");
  }

  // Shown at once for flag P, or when a server asks for a passcode all the same.
  // Its fields have no names: were the form ever sent, it would send nothing.
  function listenForPasscode(link) {
    const form = part("passcode");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const passcode = document.getElementById("shl-passcode").value;
      if (!passcode) {
        showError(new ViewerError("passcode_missing"));
        document.getElementById("shl-passcode").focus();
        return;
      }
      const recipient = document.getElementById("shl-recipient").value.trim() || DEFAULT_RECIPIENT;
      open(link, passcode, recipient);
    });
  }

  function offerPaste() {
    const form = part("paste");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = document.getElementById("shl-link").value.trim();
      const found = /shlink:\/[^#\s]*/i.exec(text);
      if (!found) {
        showError(new ViewerError("not_a_link"));
        return;
      }
      // Only the fragment changes: nothing is sent to this site.
      location.hash = found[0];
    });
  }

  function start() {
    keepLinkAcrossLanguages();
    if (!location.hash || location.hash === "#") {
      setStatus(say("no_link"));
      offerPaste();
      return;
    }
    let link;
    try {
      link = readLink(location.hash);
    } catch (error) {
      showError(error);
      offerPaste();
      return;
    }
    if (link.label) {
      const label = part("label");
      label.textContent = link.label;
      label.hidden = false;
    }
    if (link.version > KNOWN_VERSION) {
      showError(new ViewerError("newer_version"));
      return;
    }
    if (link.expires && link.expires.getTime() <= Date.now()) {
      showError(new ViewerError("gone"));
      return;
    }
    // WebCrypto exists only on secure pages: HTTPS, or this very machine.
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      showError(new ViewerError("insecure"));
      return;
    }
    listenForPasscode(link);
    if (link.flags.has("P")) {
      part("passcode").hidden = false;
      return;
    }
    open(link, undefined, DEFAULT_RECIPIENT);
  }

  // Another link pasted or opened in this tab: start afresh.
  window.addEventListener("hashchange", function () {
    location.reload();
  });
  start();
})(window.SHLViewer);
