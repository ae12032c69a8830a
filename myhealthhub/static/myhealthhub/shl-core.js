// What every part of the SMART Health Link viewer shares: its namespace, its
// error, the page's words, elements made as text, and bytes.
//
// Run first of the viewer's classic scripts; page.html says why not modules.
(function () {
  "use strict";

  const SHL = (window.SHLViewer = {});

  // A bound on every download and on every inflated file: a hostile server
  // must not be able to fill the reader's memory.
  const MAX_BYTES = 64 * 1024 * 1024;

  class ViewerError extends Error {
    constructor(kind, values) {
      super(kind);
      this.kind = kind;
      this.values = values || {};
    }
  }

  // --- Words and elements -----------------------------------------------------

  function readTable(id) {
    const table = new Map();
    const template = document.getElementById(id);
    if (template) {
      template.content.querySelectorAll("data").forEach(function (item) {
        table.set(item.value, item.textContent);
      });
    }
    return table;
  }

  const words = readTable("shl-wording");
  const language = document.documentElement.lang || undefined;

  function say(key, values) {
    let text = words.get(key) || key;
    Object.entries(values || {}).forEach(function ([name, value]) {
      text = text.split("{" + name + "}").join(String(value));
    });
    return text;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null && text !== "") {
      node.textContent = text;
    }
    return node;
  }

  // --- Bytes --------------------------------------------------------------------

  function fromBase64url(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]*=*$/.test(text)) {
      throw new TypeError("base64url");
    }
    let base64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
    if (base64.length % 4 === 1) {
      throw new TypeError("base64url");
    }
    base64 += "=".repeat((4 - (base64.length % 4)) % 4);
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) {
      bytes[index] = binary.charCodeAt(index);
    }
    return bytes;
  }

  function utf8(bytes) {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  }

  async function readAll(stream) {
    const reader = stream.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      total += value.length;
      if (total > MAX_BYTES) {
        await reader.cancel();
        throw new ViewerError("too_large");
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    chunks.forEach(function (chunk) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    });
    return bytes;
  }

  Object.assign(SHL, {
    ViewerError,
    readTable,
    words,
    language,
    say,
    element,
    fromBase64url,
    utf8,
    readAll,
  });
})();
