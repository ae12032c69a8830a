// FHIR values in words: dates, codes, quantities, a result's value, a status.
(function (SHL) {
  "use strict";

  const { language, readTable, say, words } = SHL;

  const CODE_SYSTEMS = {
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED CT",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
  };
  // IPS codes such as "no-known-allergies" carry no display of their own.
  const ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
  const vaccines = readTable("shl-vaccines");

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

  Object.assign(SHL, {
    dateText,
    firstDate,
    conceptText,
    quantityText,
    resultValue,
    clinicalStatus,
  });
})(window.SHLViewer);
