// Fetching a link's files: the manifest, a direct file (flag U), each file's
// location, and the errors of each, in the viewer's words.
(function (SHL) {
  "use strict";

  const { ViewerError, language, utf8, readAll } = SHL;

  // Addresses this page's Content-Security-Policy refused to connect to.
  const blocked = new Set();
  // What a file's location answers once it has expired.
  const EXPIRED_LOCATION = [403, 404, 410];

  function hostOf(address) {
    try {
      return new URL(address).host;
    } catch (error) {
      return String(address);
    }
  }

  document.addEventListener("securitypolicyviolation", function (event) {
    if (event.blockedURI) {
      blocked.add(hostOf(event.blockedURI));
    }
  });

  // Never this site's cookies, never a referrer: the servers learn only what the protocol says.
  async function request(address, options) {
    try {
      return await fetch(
        address,
        Object.assign(
          { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer", mode: "cors" },
          options,
        ),
      );
    } catch (error) {
      // The page's policy reports a refusal as an event, which may come just after.
      await new Promise(function (resolve) {
        setTimeout(resolve, 50);
      });
      const host = hostOf(address);
      throw new ViewerError(blocked.has(host) ? "blocked" : "unreachable", { host: host });
    }
  }

  async function bodyText(response) {
    if (!response.body) {
      return "";
    }
    try {
      return utf8(await readAll(response.body));
    } catch (error) {
      throw error instanceof ViewerError ? error : new ViewerError("not_understood");
    }
  }

  async function bodyJson(response) {
    const text = await bodyText(response);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ViewerError("not_understood");
    }
  }

  function refusal(response) {
    if (response.status === 404) {
      return new ViewerError("gone");
    }
    return new ViewerError("server_error", { status: response.status });
  }

  // POST to the manifest address; a wrong passcode is 401 with the attempts left.
  async function fetchManifest(link, passcode, recipient) {
    const body = { recipient: recipient };
    if (passcode !== undefined) {
      body.passcode = passcode;
    }
    const response = await request(link.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status === 401) {
      let left;
      try {
        left = (await bodyJson(response)).remainingAttempts;
      } catch (error) {
        left = undefined;
      }
      if (left === 0) {
        throw new ViewerError("passcode_locked");
      }
      const counted = Number.isInteger(left) && left > 0;
      throw new ViewerError(counted ? "passcode_wrong" : "passcode_wrong_uncounted", {
        count: counted ? left.toLocaleString(language) : "",
      });
    }
    if (!response.ok) {
      throw refusal(response);
    }
    const manifest = await bodyJson(response);
    if (!manifest || typeof manifest !== "object" || !Array.isArray(manifest.files)) {
      throw new ViewerError("not_understood");
    }
    return manifest.files;
  }

  // Flag U: the link's address answers a GET with its one encrypted file.
  async function fetchDirect(link, recipient) {
    const address = new URL(link.url);
    address.searchParams.set("recipient", recipient);
    const response = await request(address.href, { method: "GET" });
    if (!response.ok) {
      throw refusal(response);
    }
    return { encrypted: (await bodyText(response)).trim(), contentType: "" };
  }

  // A file's compact JWE: embedded, or at its location. ``renew``, if given,
  // answers the same file from the manifest fetched again.
  async function encryptedFile(file, renew) {
    if (!file || typeof file !== "object" || typeof file.contentType !== "string") {
      throw new ViewerError("not_understood");
    }
    if (typeof file.embedded === "string" && file.embedded.trim()) {
      return { encrypted: file.embedded.trim(), contentType: file.contentType };
    }
    if (typeof file.location !== "string" || !file.location.trim()) {
      throw new ViewerError("not_understood");
    }
    const response = await request(file.location, { method: "GET" });
    if (renew && EXPIRED_LOCATION.includes(response.status)) {
      const renewed = await renew();
      if (renewed && typeof renewed === "object" && renewed.contentType === file.contentType) {
        return encryptedFile(renewed);
      }
    }
    if (!response.ok) {
      throw refusal(response);
    }
    return { encrypted: (await bodyText(response)).trim(), contentType: file.contentType };
  }

  // The manifest's files, each a function that fetches it when it is shown:
  // "location" addresses may be single-use. A location may also have expired
  // (403, 404 or 410): the guide has a viewer then fetch the manifest again,
  // with the same recipient and passcode (held by this call alone, never
  // stored), and take that file's new location or embedded content. Once at
  // most, however many files expired; only then is the error shown.
  async function manifestFiles(link, passcode, recipient) {
    const listed = await fetchManifest(link, passcode, recipient);
    let again = null;
    function renewer(position) {
      return function () {
        again = again || fetchManifest(link, passcode, recipient);
        // A manifest names no file: the same place in the new list is the same file.
        return again.then(
          (files) => files[position],
          () => undefined,
        );
      };
    }
    return listed.map((file, position) => () => encryptedFile(file, renewer(position)));
  }

  Object.assign(SHL, { fetchManifest, fetchDirect, manifestFiles });
})(window.SHLViewer);
