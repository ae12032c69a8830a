// The SMART Health Link viewer (HL7 SMART Health Cards and Links IG v1.0.0).
//
// Everything happens in this browser. The link's payload is read from the
// address's fragment ("#shlink:/…"), which browsers never send to a server,
// so the key that decrypts the files never reaches this site or its logs.
// The files are fetched from the address the link names (this site or any
// other SMART Health Links server) and decrypted with WebCrypto.
//
// The script holds no words of its own: the page (sharing/viewer/page.html)
// hands it every message in the reader's language, in <template> elements.
// Nothing from a file is ever put into the page as HTML: only as text.
(function () {
  "use strict";

  // A bound on every download and on every inflated file: a hostile server
  // must not be able to fill the reader's memory.
  const MAX_BYTES = 64 * 1024 * 1024;
  // Shown to the person who shared the link when the reader gives no name.
  const DEFAULT_RECIPIENT = "MyHealthHub viewer";
  const KNOWN_VERSION = 1;
  // The same rules as sharing/viewer/payload.py.
  const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  const LARGEST_EPOCH_SECONDS = 1e11;
  const CODE_SYSTEMS = {
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED CT",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
  };
  // IPS codes such as "no-known-allergies" carry no display of their own.
  const ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
  const SKIPPED_STATUSES = ["entered-in-error", "not-done"];

  const root = document.querySelector("[data-shl-viewer]");
  if (!root) {
    return;
  }
  const words = readTable("shl-wording");
  const vaccines = readTable("shl-vaccines");
  const language = document.documentElement.lang || undefined;
  // Addresses this page's Content-Security-Policy refused to connect to.
  const blocked = new Set();

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

  function say(key, values) {
    let text = words.get(key) || key;
    Object.entries(values || {}).forEach(function ([name, value]) {
      text = text.split("{" + name + "}").join(String(value));
    });
    return text;
  }

  function part(name) {
    return root.querySelector('[data-shl-part="' + name + '"]');
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

  // "zip": "DEF" in a JWE or a JWS: raw DEFLATE (RFC 1951), without zlib's header.
  async function inflateRaw(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    try {
      return await readAll(stream);
    } catch (error) {
      throw error instanceof ViewerError ? error : new ViewerError("undecryptable");
    }
  }

  // --- The link -----------------------------------------------------------------

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

  // --- Fetching -----------------------------------------------------------------

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

  async function encryptedFile(file) {
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
    if (!response.ok) {
      throw refusal(response);
    }
    return { encrypted: (await bodyText(response)).trim(), contentType: file.contentType };
  }

  // --- Decrypting ---------------------------------------------------------------

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

  // --- Showing: dates, codes, values ---------------------------------------------

  // A FHIR date as far as it is known: "2015", "Mar 2015" or "1 Mar 2015".
  function dateText(value) {
    if (typeof value !== "string") {
      return "";
    }
    const found = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
    if (!found) {
      return value;
    }
    const [, year, month, day] = found;
    if (!month) {
      return year;
    }
    const options = { year: "numeric", month: "short", timeZone: "UTC" };
    if (day) {
      options.day = "numeric";
    }
    try {
      const moment = Date.UTC(Number(year), Number(month) - 1, Number(day || 1));
      return new Intl.DateTimeFormat(language, options).format(moment);
    } catch (error) {
      return value;
    }
  }

  function firstDate(...values) {
    for (const value of values) {
      if (typeof value === "string" && value) {
        return dateText(value);
      }
      if (value && typeof value === "object" && typeof value.start === "string") {
        return dateText(value.start);
      }
    }
    return "";
  }

  function codingName(coding) {
    if (coding.system === "http://hl7.org/fhir/sid/cvx" && vaccines.has(String(coding.code))) {
      return vaccines.get(String(coding.code));
    }
    if (coding.system === ABSENT_UNKNOWN) {
      const spoken = String(coding.code).replace(/-/g, " ");
      return spoken.charAt(0).toUpperCase() + spoken.slice(1);
    }
    const system = CODE_SYSTEMS[coding.system];
    return system ? system + " " + coding.code : String(coding.code);
  }

  // What a CodeableConcept says: its text, else a display, else a code.
  function conceptText(concept) {
    if (!concept || typeof concept !== "object") {
      return "";
    }
    if (typeof concept.text === "string" && concept.text.trim()) {
      return concept.text.trim();
    }
    const codings = Array.isArray(concept.coding) ? concept.coding.filter(Boolean) : [];
    const shown = codings.find(function (coding) {
      return typeof coding.display === "string" && coding.display.trim();
    });
    if (shown) {
      return shown.display.trim();
    }
    const coded = codings.find(function (coding) {
      return coding.code !== undefined && coding.code !== null;
    });
    return coded ? codingName(coded) : "";
  }

  function numberText(value) {
    return typeof value === "number"
      ? value.toLocaleString(language, { maximumFractionDigits: 6 })
      : "";
  }

  function quantityText(quantity) {
    if (!quantity || typeof quantity !== "object") {
      return "";
    }
    const number = numberText(quantity.value);
    const unit = typeof quantity.unit === "string" ? quantity.unit : quantity.code || "";
    const comparator = typeof quantity.comparator === "string" ? quantity.comparator + " " : "";
    return number ? (comparator + number + " " + unit).trim() : "";
  }

  function valueText(holder) {
    if (holder.valueQuantity) {
      return quantityText(holder.valueQuantity);
    }
    if (holder.valueCodeableConcept) {
      return conceptText(holder.valueCodeableConcept);
    }
    if (typeof holder.valueString === "string") {
      return holder.valueString;
    }
    if (typeof holder.valueBoolean === "boolean") {
      return say(holder.valueBoolean ? "yes" : "no");
    }
    if (typeof holder.valueInteger === "number") {
      return numberText(holder.valueInteger);
    }
    if (holder.valueRange) {
      const low = quantityText(holder.valueRange.low);
      const high = quantityText(holder.valueRange.high);
      return low || high ? low + " – " + high : "";
    }
    return "";
  }

  function resultValue(observation) {
    const own = valueText(observation);
    if (own) {
      return own;
    }
    if (Array.isArray(observation.component)) {
      return observation.component
        .filter(Boolean)
        .map(function (component) {
          return (conceptText(component.code) + " " + valueText(component)).trim();
        })
        .filter(Boolean)
        .join("; ");
    }
    return conceptText(observation.dataAbsentReason);
  }

  // Only a status that is not "active": what is resolved or in remission is worth saying.
  function clinicalStatus(resource) {
    const code = resource.clinicalStatus && resource.clinicalStatus.coding;
    const found = Array.isArray(code) && code.find(Boolean);
    return found && words.has("status_" + found.code) ? say("status_" + found.code) : "";
  }

  // --- Showing: a FHIR bundle as a summary ---------------------------------------

  function indexBundle(bundle) {
    const byReference = new Map();
    const resources = [];
    (Array.isArray(bundle.entry) ? bundle.entry : []).forEach(function (entry) {
      const resource = entry && entry.resource;
      if (!resource || typeof resource !== "object" || typeof resource.resourceType !== "string") {
        return;
      }
      resources.push(resource);
      if (typeof entry.fullUrl === "string") {
        byReference.set(entry.fullUrl, resource);
      }
      if (typeof resource.id === "string") {
        byReference.set(resource.resourceType + "/" + resource.id, resource);
      }
    });
    return { resources: resources, byReference: byReference };
  }

  // A reference as bundles write them: a fullUrl, "Type/id", an absolute URL
  // ending in "Type/id", or "#id" of a resource contained in ``holder``.
  function resolve(index, holder, reference) {
    const target = reference && typeof reference.reference === "string" ? reference.reference : "";
    if (!target) {
      return null;
    }
    if (target.startsWith("#")) {
      const contained = Array.isArray(holder.contained) ? holder.contained : [];
      return contained.find((resource) => resource && "#" + resource.id === target) || null;
    }
    const tail = /([A-Za-z]+\/[^/]+)(?:\/_history\/[^/]+)?$/.exec(target);
    return index.byReference.get(target) || (tail && index.byReference.get(tail[1])) || null;
  }

  function medicationName(index, statement) {
    if (statement.medicationCodeableConcept) {
      return conceptText(statement.medicationCodeableConcept);
    }
    const medication = resolve(index, statement, statement.medicationReference);
    if (medication && medication.code) {
      return conceptText(medication.code);
    }
    const reference = statement.medicationReference;
    return reference && typeof reference.display === "string" ? reference.display : "";
  }

  // A dosage's own words, else its dose and route ("1 tablet, Oral use").
  function dosageText(list) {
    const first = Array.isArray(list) && list.find(Boolean);
    if (!first) {
      return "";
    }
    if (typeof first.text === "string" && first.text.trim()) {
      return first.text.trim();
    }
    const rate = Array.isArray(first.doseAndRate) && first.doseAndRate.find(Boolean);
    const dose = rate ? quantityText(rate.doseQuantity) : "";
    return [dose, conceptText(first.route)].filter(Boolean).join(", ");
  }

  // Each kind of entry as a line: a name, what more it says, and its date.
  const SECTIONS = [
    {
      key: "allergies",
      types: ["AllergyIntolerance"],
      line: function (index, allergy) {
        const reactions = (Array.isArray(allergy.reaction) ? allergy.reaction : [])
          .flatMap((reaction) => (reaction && reaction.manifestation) || [])
          .map(conceptText)
          .filter(Boolean);
        return {
          name: conceptText(allergy.code),
          detail: [reactions.join(", "), clinicalStatus(allergy)],
          date: firstDate(allergy.onsetDateTime, allergy.onsetPeriod, allergy.recordedDate),
        };
      },
    },
    {
      key: "medications",
      types: ["MedicationStatement", "MedicationRequest"],
      line: function (index, statement) {
        return {
          name: medicationName(index, statement),
          detail: [dosageText(statement.dosage || statement.dosageInstruction)],
          date: firstDate(
            statement.effectiveDateTime,
            statement.effectivePeriod,
            statement.authoredOn,
          ),
        };
      },
    },
    {
      key: "problems",
      types: ["Condition"],
      line: function (index, condition) {
        return {
          name: conceptText(condition.code),
          detail: [clinicalStatus(condition)],
          date: firstDate(
            condition.onsetDateTime,
            condition.onsetPeriod,
            condition.onsetString,
            condition.recordedDate,
          ),
        };
      },
    },
    {
      key: "immunizations",
      types: ["Immunization"],
      line: function (index, immunization) {
        return {
          name: conceptText(immunization.vaccineCode),
          detail: [],
          date: firstDate(immunization.occurrenceDateTime, immunization.occurrenceString),
        };
      },
    },
    {
      key: "results",
      types: ["Observation"],
      line: function (index, observation) {
        return {
          name: conceptText(observation.code),
          value: resultValue(observation),
          detail: [],
          date: firstDate(observation.effectiveDateTime, observation.effectivePeriod),
        };
      },
    },
  ];
  // Kinds that only serve the others: the patient, the document, who and where.
  const SUPPORTING = [
    "Patient",
    "Composition",
    "Medication",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
  ];

  function personName(patient) {
    const names = Array.isArray(patient.name) ? patient.name.filter(Boolean) : [];
    const name = names.find((each) => each.use === "official") || names[0];
    if (!name) {
      return "";
    }
    if (typeof name.text === "string" && name.text.trim()) {
      return name.text.trim();
    }
    const given = Array.isArray(name.given) ? name.given : [];
    return given.concat(name.family ? [name.family] : []).join(" ").trim();
  }

  function personHeader(patient, level) {
    const head = element("header", "shl-person");
    const name = personName(patient) || say("name_unknown");
    head.append(element("h" + level, "shl-person-name", name));
    const facts = element("p", "shl-person-facts");
    const born = patient.birthDate
      ? say("born") + " " + dateText(patient.birthDate)
      : say("birth_unknown");
    facts.append(element("span", "", born));
    if (["female", "male", "other", "unknown"].includes(patient.gender)) {
      facts.append(element("span", "", say(patient.gender)));
    }
    head.append(facts);
    return head;
  }

  function lineItem(line) {
    const item = element("li", "shl-item");
    item.append(element("span", "shl-item-name", line.name || "—"));
    if (line.value) {
      item.append(element("span", "shl-item-value", line.value));
    }
    const detail = line.detail.filter(Boolean).join(" · ");
    if (detail) {
      item.append(element("span", "shl-item-detail", detail));
    }
    if (line.date) {
      item.append(element("span", "shl-item-date", line.date));
    }
    return item;
  }

  // A bundle, or any single resource, as the summary a clinician reads; ``level``
  // is its patient's heading level (2, or 3 inside a health card).
  function summaryOf(resource, level) {
    const bundle =
      resource.resourceType === "Bundle" ? resource : { entry: [{ resource: resource }] };
    const index = indexBundle(bundle);
    const summary = element("div", "shl-summary");
    const patient = index.resources.find((each) => each.resourceType === "Patient");
    if (patient) {
      summary.append(personHeader(patient, level));
    }
    const known = new Set(SUPPORTING);
    SECTIONS.forEach(function (section) {
      section.types.forEach((type) => known.add(type));
      const lines = index.resources
        .filter((each) => section.types.includes(each.resourceType))
        .filter((each) => !SKIPPED_STATUSES.includes(each.status))
        .map((each) => section.line(index, each));
      if (!lines.length) {
        return;
      }
      const block = element("section", "shl-section shl-" + section.key);
      block.append(element("h" + (level + 1), "shl-section-title", say(section.key)));
      const list = element("ul", "shl-items");
      lines.forEach((line) => list.append(lineItem(line)));
      block.append(list);
      summary.append(block);
    });
    const others = new Map();
    index.resources.forEach(function (each) {
      if (!known.has(each.resourceType)) {
        others.set(each.resourceType, (others.get(each.resourceType) || 0) + 1);
      }
    });
    if (others.size) {
      const list = Array.from(others, ([type, count]) => type + " (" + count + ")").join(", ");
      summary.append(element("p", "help shl-not-shown", say("not_shown", { list: list })));
    }
    return summary;
  }

  // --- Showing: each kind of file -------------------------------------------------

  function banner() {
    return document.getElementById("shl-banner").content.cloneNode(true);
  }

  function showFhir(bytes, into) {
    let resource;
    try {
      resource = JSON.parse(utf8(bytes));
    } catch (error) {
      throw new ViewerError("not_understood");
    }
    if (!resource || typeof resource.resourceType !== "string") {
      throw new ViewerError("not_understood");
    }
    into.append(banner());
    into.append(summaryOf(resource, 2));
  }

  // A SMART Health Card file: signed credentials whose payload is DEFLATE-compressed.
  async function showHealthCard(bytes, into) {
    let file;
    try {
      file = JSON.parse(utf8(bytes));
    } catch (error) {
      throw new ViewerError("not_understood");
    }
    const credentials = file && file.verifiableCredential;
    if (!Array.isArray(credentials) || !credentials.length) {
      throw new ViewerError("not_understood");
    }
    for (const jws of credentials) {
      const card = element("section", "shl-card");
      card.append(element("h2", "shl-card-title", say("health_card")));
      let claims;
      try {
        const [head, body] = String(jws).split(".");
        const header = JSON.parse(utf8(fromBase64url(head)));
        let payload = fromBase64url(body);
        if (header.zip === "DEF") {
          payload = await inflateRaw(payload);
        }
        claims = JSON.parse(utf8(payload));
      } catch (error) {
        throw new ViewerError("not_understood");
      }
      card.append(element("p", "shl-unverified", say("not_verified")));
      const facts = element("p", "shl-card-facts");
      if (typeof claims.iss === "string") {
        facts.append(element("span", "", say("issued_by", { issuer: claims.iss })));
      }
      if (typeof claims.nbf === "number") {
        const issued = new Date(claims.nbf * 1000).toISOString().slice(0, 10);
        facts.append(element("span", "", say("issued_on", { date: dateText(issued) })));
      }
      card.append(facts);
      const subject = claims.vc && claims.vc.credentialSubject;
      if (subject && subject.fhirBundle && typeof subject.fhirBundle === "object") {
        card.append(summaryOf(subject.fhirBundle, 3));
      }
      into.append(card);
    }
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
        const listed = await fetchManifest(link, passcode, recipient);
        // Fetched one by one when shown: "location" addresses may be single-use.
        files = listed.map((file) => () => encryptedFile(file));
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
})();
