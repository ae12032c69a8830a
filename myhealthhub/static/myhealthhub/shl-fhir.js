// A FHIR resource or Bundle, or a SMART Health Card, as the summary a
// clinician reads: built of elements holding text, never of HTML.
(function (SHL) {
  "use strict";

  const { ViewerError, say, element, fromBase64url, utf8, inflateRaw } = SHL;
  const { dateText, firstDate, conceptText, quantityText, resultValue, clinicalStatus } = SHL;

  const SKIPPED_STATUSES = ["entered-in-error", "not-done"];

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

  Object.assign(SHL, { showFhir, showHealthCard });
})(window.SHLViewer);
