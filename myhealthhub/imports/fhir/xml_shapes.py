"""Which FHIR R4 elements are lists, numbers or true/false: what FHIR XML leaves unsaid.

FHIR JSON writes ``"given": ["Ana"]`` and ``"value": 5.4``; FHIR XML writes
``<given value="Ana"/>`` and ``<value value="5.4"/>`` alike. The reader of
FHIR XML (``from_xml.py``) takes an element that repeats as a list anyway;
these tables say the rest, by element name, then by "parent.name", then by
"grandparent.parent.name" where a name alone does not settle it (a parent is
an element's name, or a resource type at the top of a resource). PRIMITIVES
tells ``<birthDate><extension …/></birthDate>`` (a date with no value, only
an extension: ``_birthDate`` in JSON) from a complex element holding only an
extension.

Written from the models of fhir.resources (a test dependency, never imported
at run time) by ``python -m myhealthhub.imports.fhir.tests.test_xml_shapes``;
that test fails when the tables and the models part.
"""

from __future__ import annotations


class Shape:
    """Where a property of FHIR elements holds: names, "parent.name", "grandparent.parent.name"."""

    __slots__ = ("at", "names", "under")

    def __init__(self, names: str, under: str, at: str) -> None:
        self.names = frozenset(names.split())
        self.under = frozenset(under.split())
        self.at = frozenset(at.split())

    def holds(self, parent: str, name: str, grandparent: str) -> bool:
        return (
            name in self.names
            or f"{parent}.{name}" in self.under
            or f"{grandparent}.{parent}.{name}" in self.at
        )


LISTS = Shape(
    names="""
        about addItem additionalCharacteristic additionalClassification additionalContext
        additionalIdentifier additionalInstruction addresses adjudication administration
        administrationGuidelines affiliationInfo agent aggregation allergyIntolerance
        allowedResponse alternateMaterial alternative anchor answer answerOption application
        appliesTo areaUnderCurve arm asset associatedMedication attachedDocument attester
        attributeEstimate authorizationSupporting authorizingPrescription availableTime benefit
        benefitBalance bodysite calibration canFilterBy capability careTeam careTeamSequence
        causality certainty chain characteristic classHistory classifier clinicalTrial codeFilter
        codeSystem coding communication communicationRequest comorbidity compartment complication
        complicationDetail conclusionCode constraint contained containedInstance containedItem
        containedItemQuantity contains contextInvariant contextLinkId contract
        contraindicatedVaccineCode contributionInstance contributionType contributor control
        costToBeneficiary countryLanguage countryOfOrigin coverageArea crossReference currentState
        dataRequirement dateCriterion dateFilter dayOfWeek daysOfWeek decisionMode dependsOn
        derivedFromUri designation detectedIssue diagnosis diagnosisSequence dietPreference
        discriminator dosageInstruction doseAndRate doseStatusReason drugCharacteristic dynamicValue
        editor education eligibility enableWhen endorser enrollment entry entryClassifier
        entryQuantity entryReference episodeOfCare evaluatedResource evaluationMessage eventHistory
        eventTrigger evidence example exception excludeFoodModifier extension fMeasure filter
        financial finding fixture fluidConsistencyType focalDevice followUp foodPreferenceModifier
        forecastReason formOf friendly generalCost generalPractitioner given global goal goalId
        grade graph group grouping guarantor hasMember header healthcareService hoursOfOperation
        image imagingStudy implementationGuide implicated import imports imprint impurity
        inResponseTo include informationSequence ingredient initial input instantiates insurance
        intendedRoute interactant interpretation interpreter investigation keyword kinetics
        knownAllergen languageCode legal lensSpecification lethalDose50 library line lineItem
        locationCode locationQualifier management manifestation mapping marketingStatus masterFile
        medicineClassification medium messaging modelCharacteristic modifierExtension moiety
        monitoringProgram monograph namePart notAvailable note noteNumber notificationEvent
        notificationShape numFN numFP numTP nutrient objective observationRequirement
        observationResultRequirement official orderDetail otherTherapy outcomeCode
        outcomeCodeableConcept outcomeReference output overload packageFor packagedMedicinalProduct
        param parameter parameterName participant participantType patchFormat patientCharacteristics
        patientPreparation payloadMimeType payloadType payor performerLinkId periodType
        permittedDataType plan pointer policy preAuthRefPeriod prediction presentedForm
        priceComponent priorRequest prism problem procedureCode procedureSequence process
        processNote processing producedFrom productCharacteristic productType
        prognosisCodeableConcept prognosisReference program programCode programEligibility progress
        propertyGroup protocolApplied publicationForm purposeOfEvent purposeOfUse pushTypeAvailable
        qualifiedInterval qualifiers quality reaction reasonLinkId recommendation referenceDocument
        referencePolicy referenceRange referenceStrength referencedFrom referralMethod
        referralRequest region regulatory rejectionCriterion related relatedAction relatedArtifact
        relatedEntry relatedIdentifier relatedMedicationKnowledge relatesTo relevantHistory replaces
        report repository requestHeader requestedPeriod requesterLinkId resourceTrigger
        responsibleParty rest resultingCondition resultsInterpreter revInclude reviewer
        routeOfAdministration safety searchInclude searchRevInclude section securityLabel
        securityLabelNumber sensitivity service serviceCategory serviceProvisionCode
        shelfLifeStorage signer slot sort sourceDocument specialArrangement specialCourtesy
        specialMeasures specialPrecautionsForStorage specialization specialty specificCost
        specimenRequirement stage statistic statusHistory step storage stratifier stratum
        structureVariant subDetail subSite subcomponent subdetailSequence subjectMedicalHistory
        subjectType subpotentReason subtype suffix supplement supplementalData supportedInteraction
        supportedMessage supportedProfile supportingImmunization supportingInfo
        supportingInfoSequence supportingPatientInformation suspectEntity synonym tag
        targetClassifier targetLocation targetProfile targetSpecies team technique telecom template
        test texture timeOfDay totalPriceComponent trigger typeReference typeTested udi udiCarrier
        udiDeviceIdentifier uniqueId usageContext useContext usePeriod usedCode usedReference
        validationProcess validator valueCategory valuedItem variant verification webLocation
        withdrawalPeriod workflow
    """,
    under="""
        Account.coverage Account.identifier Account.subject ActivityDefinition.author
        ActivityDefinition.bodySite ActivityDefinition.contact ActivityDefinition.dosage
        ActivityDefinition.identifier ActivityDefinition.jurisdiction ActivityDefinition.topic
        AdministrableProductDefinition.identifier AdministrableProductDefinition.property
        AdverseEvent.category AdverseEvent.study AllergyIntolerance.category
        AllergyIntolerance.identifier Appointment.basedOn Appointment.identifier
        Appointment.reasonCode Appointment.reasonReference Appointment.serviceType
        Appointment.supportingInformation AppointmentResponse.identifier AuditEvent.entity
        Basic.identifier BiologicallyDerivedProduct.identifier BiologicallyDerivedProduct.parent
        BiologicallyDerivedProduct.request BodyStructure.identifier Bundle.link
        CapabilityStatement.contact CapabilityStatement.document CapabilityStatement.format
        CapabilityStatement.jurisdiction CarePlan.activity CarePlan.basedOn CarePlan.category
        CarePlan.identifier CarePlan.instantiatesCanonical CarePlan.instantiatesUri CarePlan.partOf
        CareTeam.category CareTeam.identifier CareTeam.managingOrganization CareTeam.reasonCode
        CareTeam.reasonReference CatalogEntry.classification CatalogEntry.identifier
        ChargeItem.account ChargeItem.definitionCanonical ChargeItem.definitionUri
        ChargeItem.identifier ChargeItem.partOf ChargeItem.performer ChargeItem.reason
        ChargeItem.supportingInformation ChargeItemDefinition.applicability
        ChargeItemDefinition.contact ChargeItemDefinition.identifier ChargeItemDefinition.instance
        ChargeItemDefinition.jurisdiction ChargeItemDefinition.partOf Citation.author
        Citation.classification Citation.contact Citation.identifier Citation.jurisdiction
        Citation.statusDate Citation.summary Claim.identifier Claim.item Claim.procedure
        ClaimResponse.error ClaimResponse.identifier ClaimResponse.item ClaimResponse.total
        ClinicalImpression.identifier ClinicalImpression.protocol ClinicalUseDefinition.category
        ClinicalUseDefinition.identifier ClinicalUseDefinition.population
        ClinicalUseDefinition.subject CodeSystem.concept CodeSystem.contact CodeSystem.identifier
        CodeSystem.jurisdiction CodeSystem.property Communication.basedOn Communication.category
        Communication.identifier Communication.instantiatesCanonical Communication.instantiatesUri
        Communication.partOf Communication.payload Communication.reasonCode
        Communication.reasonReference Communication.recipient CommunicationRequest.basedOn
        CommunicationRequest.category CommunicationRequest.identifier CommunicationRequest.payload
        CommunicationRequest.reasonCode CommunicationRequest.reasonReference
        CommunicationRequest.recipient CompartmentDefinition.contact CompartmentDefinition.resource
        Composition.author Composition.category Composition.event ConceptMap.contact
        ConceptMap.jurisdiction Condition.bodySite Condition.category Condition.identifier
        Consent.category Consent.identifier Consent.organization Consent.performer Contract.alias
        Contract.authority Contract.domain Contract.identifier Contract.rule Contract.site
        Contract.subType Contract.subject Contract.term Coverage.class Coverage.identifier
        CoverageEligibilityRequest.identifier CoverageEligibilityRequest.item
        CoverageEligibilityRequest.purpose CoverageEligibilityResponse.error
        CoverageEligibilityResponse.identifier CoverageEligibilityResponse.purpose
        DetectedIssue.identifier DetectedIssue.mitigation Device.contact Device.deviceName
        Device.identifier Device.property Device.statusReason Device.version
        DeviceDefinition.contact DeviceDefinition.deviceName DeviceDefinition.identifier
        DeviceDefinition.material DeviceDefinition.property DeviceDefinition.version
        DeviceMetric.identifier DeviceRequest.basedOn DeviceRequest.identifier
        DeviceRequest.instantiatesCanonical DeviceRequest.instantiatesUri DeviceRequest.reasonCode
        DeviceRequest.reasonReference DeviceUseStatement.basedOn DeviceUseStatement.derivedFrom
        DeviceUseStatement.identifier DeviceUseStatement.reasonCode
        DeviceUseStatement.reasonReference DiagnosticReport.basedOn DiagnosticReport.category
        DiagnosticReport.identifier DiagnosticReport.media DiagnosticReport.performer
        DiagnosticReport.result DiagnosticReport.specimen DocumentManifest.author
        DocumentManifest.content DocumentManifest.identifier DocumentManifest.recipient
        DocumentReference.author DocumentReference.category DocumentReference.content
        DocumentReference.identifier Encounter.account Encounter.appointment Encounter.basedOn
        Encounter.identifier Encounter.location Encounter.reasonCode Encounter.reasonReference
        Encounter.type Endpoint.contact Endpoint.identifier EnrollmentRequest.identifier
        EnrollmentResponse.identifier EpisodeOfCare.account EpisodeOfCare.identifier
        EpisodeOfCare.type EventDefinition.author EventDefinition.contact EventDefinition.identifier
        EventDefinition.jurisdiction EventDefinition.topic Evidence.author Evidence.contact
        Evidence.identifier Evidence.variableDefinition EvidenceReport.author EvidenceReport.contact
        EvidenceReport.identifier EvidenceVariable.author EvidenceVariable.category
        EvidenceVariable.contact EvidenceVariable.identifier ExampleScenario.actor
        ExampleScenario.contact ExampleScenario.identifier ExampleScenario.instance
        ExampleScenario.jurisdiction ExplanationOfBenefit.identifier ExplanationOfBenefit.item
        ExplanationOfBenefit.preAuthRef ExplanationOfBenefit.procedure ExplanationOfBenefit.total
        FamilyMemberHistory.condition FamilyMemberHistory.identifier
        FamilyMemberHistory.instantiatesCanonical FamilyMemberHistory.instantiatesUri
        FamilyMemberHistory.reasonCode FamilyMemberHistory.reasonReference Flag.category
        Flag.identifier Goal.category Goal.identifier Goal.target GraphDefinition.contact
        GraphDefinition.jurisdiction GraphDefinition.link Group.identifier Group.member
        GuidanceResponse.identifier GuidanceResponse.reasonCode GuidanceResponse.reasonReference
        HealthcareService.category HealthcareService.endpoint HealthcareService.identifier
        HealthcareService.location HealthcareService.type ImagingStudy.basedOn ImagingStudy.endpoint
        ImagingStudy.identifier ImagingStudy.modality ImagingStudy.reasonCode
        ImagingStudy.reasonReference ImagingStudy.series Immunization.identifier
        Immunization.performer Immunization.reasonCode Immunization.reasonReference
        ImmunizationEvaluation.identifier ImmunizationRecommendation.identifier
        ImplementationGuide.contact ImplementationGuide.fhirVersion ImplementationGuide.jurisdiction
        Ingredient.for Ingredient.function Ingredient.manufacturer InsurancePlan.alias
        InsurancePlan.contact InsurancePlan.coverage InsurancePlan.endpoint InsurancePlan.identifier
        InsurancePlan.network InsurancePlan.type Invoice.identifier Library.author Library.contact
        Library.content Library.identifier Library.jurisdiction Library.topic Linkage.item
        List.identifier Location.alias Location.endpoint Location.identifier Location.type
        ManufacturedItemDefinition.identifier ManufacturedItemDefinition.manufacturer
        ManufacturedItemDefinition.property Measure.author Measure.contact Measure.definition
        Measure.identifier Measure.jurisdiction Measure.topic Measure.type MeasureReport.identifier
        Media.basedOn Media.identifier Media.partOf Media.reasonCode Medication.identifier
        MedicationAdministration.device MedicationAdministration.identifier
        MedicationAdministration.partOf MedicationAdministration.performer
        MedicationAdministration.reasonCode MedicationAdministration.reasonReference
        MedicationAdministration.statusReason MedicationAdministration.supportingInformation
        MedicationDispense.identifier MedicationDispense.partOf MedicationDispense.performer
        MedicationDispense.receiver MedicationDispense.supportingInformation
        MedicationKnowledge.contraindication MedicationKnowledge.cost MedicationRequest.basedOn
        MedicationRequest.category MedicationRequest.identifier
        MedicationRequest.instantiatesCanonical MedicationRequest.instantiatesUri
        MedicationRequest.reasonCode MedicationRequest.reasonReference
        MedicationRequest.supportingInformation MedicationStatement.basedOn
        MedicationStatement.derivedFrom MedicationStatement.dosage MedicationStatement.identifier
        MedicationStatement.partOf MedicationStatement.reasonCode
        MedicationStatement.reasonReference MedicationStatement.statusReason
        MedicinalProductDefinition.classification MedicinalProductDefinition.code
        MedicinalProductDefinition.contact MedicinalProductDefinition.identifier
        MedicinalProductDefinition.name MedicinalProductDefinition.operation
        MedicinalProductDefinition.route MessageDefinition.contact MessageDefinition.focus
        MessageDefinition.identifier MessageDefinition.jurisdiction MessageDefinition.parent
        MessageHeader.destination MessageHeader.focus MolecularSequence.identifier
        NamingSystem.contact NamingSystem.jurisdiction NutritionOrder.identifier
        NutritionOrder.instantiatesCanonical NutritionOrder.instantiatesUri
        NutritionProduct.category NutritionProduct.manufacturer Observation.basedOn
        Observation.category Observation.component Observation.derivedFrom Observation.focus
        Observation.identifier Observation.partOf Observation.performer
        ObservationDefinition.category ObservationDefinition.identifier OperationDefinition.contact
        OperationDefinition.jurisdiction OperationDefinition.resource OperationOutcome.issue
        Organization.address Organization.alias Organization.contact Organization.endpoint
        Organization.identifier Organization.type OrganizationAffiliation.code
        OrganizationAffiliation.endpoint OrganizationAffiliation.identifier
        OrganizationAffiliation.location OrganizationAffiliation.network
        PackagedProductDefinition.identifier PackagedProductDefinition.legalStatusOfSupply
        PackagedProductDefinition.manufacturer Patient.address Patient.contact Patient.identifier
        Patient.link Patient.name Patient.photo PaymentNotice.identifier
        PaymentReconciliation.detail PaymentReconciliation.identifier Person.address
        Person.identifier Person.link Person.name PlanDefinition.action PlanDefinition.author
        PlanDefinition.contact PlanDefinition.identifier PlanDefinition.jurisdiction
        PlanDefinition.topic Practitioner.address Practitioner.identifier Practitioner.name
        Practitioner.photo Practitioner.qualification PractitionerRole.code
        PractitionerRole.endpoint PractitionerRole.identifier PractitionerRole.location
        Procedure.basedOn Procedure.bodySite Procedure.identifier Procedure.instantiatesCanonical
        Procedure.instantiatesUri Procedure.partOf Procedure.performer Procedure.reasonCode
        Procedure.reasonReference Provenance.entity Provenance.reason Provenance.signature
        Provenance.target Questionnaire.code Questionnaire.contact Questionnaire.derivedFrom
        Questionnaire.identifier Questionnaire.item Questionnaire.jurisdiction
        QuestionnaireResponse.basedOn QuestionnaireResponse.item QuestionnaireResponse.partOf
        RegulatedAuthorization.basis RegulatedAuthorization.identifier
        RegulatedAuthorization.subject RelatedPerson.address RelatedPerson.identifier
        RelatedPerson.name RelatedPerson.photo RelatedPerson.relationship RequestGroup.action
        RequestGroup.basedOn RequestGroup.identifier RequestGroup.instantiatesCanonical
        RequestGroup.instantiatesUri RequestGroup.reasonCode RequestGroup.reasonReference
        ResearchDefinition.author ResearchDefinition.comment ResearchDefinition.contact
        ResearchDefinition.identifier ResearchDefinition.jurisdiction ResearchDefinition.topic
        ResearchElementDefinition.author ResearchElementDefinition.comment
        ResearchElementDefinition.contact ResearchElementDefinition.identifier
        ResearchElementDefinition.jurisdiction ResearchElementDefinition.topic
        ResearchStudy.category ResearchStudy.condition ResearchStudy.contact ResearchStudy.focus
        ResearchStudy.identifier ResearchStudy.location ResearchStudy.partOf ResearchStudy.protocol
        ResearchStudy.site ResearchSubject.identifier RiskAssessment.basis RiskAssessment.identifier
        RiskAssessment.reasonCode RiskAssessment.reasonReference Schedule.actor Schedule.identifier
        Schedule.serviceType SearchParameter.base SearchParameter.comparator
        SearchParameter.component SearchParameter.contact SearchParameter.jurisdiction
        SearchParameter.modifier SearchParameter.target ServiceRequest.basedOn
        ServiceRequest.bodySite ServiceRequest.category ServiceRequest.identifier
        ServiceRequest.instantiatesCanonical ServiceRequest.instantiatesUri
        ServiceRequest.locationReference ServiceRequest.performer ServiceRequest.reasonCode
        ServiceRequest.reasonReference ServiceRequest.specimen Slot.identifier Slot.serviceType
        Specimen.condition Specimen.container Specimen.identifier Specimen.parent Specimen.request
        SpecimenDefinition.collection StructureDefinition.contact StructureDefinition.context
        StructureDefinition.identifier StructureDefinition.jurisdiction StructureMap.contact
        StructureMap.identifier StructureMap.jurisdiction StructureMap.structure
        Subscription.contact SubscriptionStatus.error SubscriptionTopic.contact
        SubscriptionTopic.derivedFrom SubscriptionTopic.identifier SubscriptionTopic.jurisdiction
        Substance.category Substance.identifier Substance.instance
        SubstanceDefinition.classification SubstanceDefinition.code SubstanceDefinition.identifier
        SubstanceDefinition.informationSource SubstanceDefinition.manufacturer
        SubstanceDefinition.molecularWeight SubstanceDefinition.name SubstanceDefinition.property
        SubstanceDefinition.relationship SubstanceDefinition.supplier SupplyDelivery.basedOn
        SupplyDelivery.identifier SupplyDelivery.partOf SupplyDelivery.receiver
        SupplyRequest.identifier SupplyRequest.reasonCode SupplyRequest.reasonReference
        SupplyRequest.supplier Task.basedOn Task.identifier Task.partOf Task.performerType
        TerminologyCapabilities.contact TerminologyCapabilities.jurisdiction TestScript.contact
        TestScript.destination TestScript.jurisdiction TestScript.origin TestScript.profile
        TestScript.variable ValueSet.contact ValueSet.identifier ValueSet.jurisdiction
        VerificationResult.primarySource VerificationResult.target VisionPrescription.identifier
        action.action action.code action.condition action.documentation action.linkId
        action.performerType action.reason action.reasonCode action.reasonReference action.requester
        action.subject addItem.detail addItem.detailSequence addItem.itemSequence addItem.modifier
        addItem.provider addItem.subDetailSequence administrationGuidelines.dosage
        affiliationInfo.identifier agent.role answer.item asset.context asset.linkId asset.period
        asset.type attestationSignature.type benefit.cost benefit.limit canFilterBy.modifier
        capability.link capability.origin citedArtifact.abstract citedArtifact.classification
        citedArtifact.identifier citedArtifact.statusDate citedArtifact.title code.source
        codeFilter.code codeSystem.version compose.exclude concept.concept concept.property
        contact.relationship container.additive container.identifier context.code context.encounter
        context.event contraindication.indication contributorship.summary coverage.network
        data.mustSupport data.profile dataRequirement.mustSupport dataRequirement.profile
        defaultValueContributor.contact defaultValueDataRequirement.mustSupport
        defaultValueDataRequirement.profile defaultValueHumanName.prefix defaultValueMeta.profile
        defaultValueMeta.security defaultValueSignature.type defaultValueTiming.event
        defaultValueTriggerDefinition.data definition.resource definitionDataRequirement.mustSupport
        definitionDataRequirement.profile dependent.variable detail.instantiatesCanonical
        detail.instantiatesUri detail.modifier detail.performer detail.reasonCode
        detail.reasonReference diagnosis.type differential.element dosage.dosage
        effectiveTiming.event element.alias element.condition element.representation element.target
        element.type entity.detail entry.address entry.link event.code event.detail evidence.code
        evidence.detail exclude.concept exclude.valueSet filter.operator fixedContributor.contact
        fixedDataRequirement.mustSupport fixedDataRequirement.profile fixedHumanName.prefix
        fixedSignature.type fixedTiming.event fixedTriggerDefinition.data frequency.event
        goal.documentation goal.target group.action group.element group.population group.rule
        include.concept include.valueSet indication.undesirableEffect ingredient.amount
        input.mustSupport input.profile instance.version insurance.item insurance.preAuthRef
        investigation.item issue.expression issue.location item.code item.detail item.encounter
        item.item item.modifier manifest.other manifest.page manifest.resource
        measurementPeriod.event medicineClassification.classification messaging.endpoint
        meta.profile meta.security metadata.link modelCharacteristic.variable name.domain
        name.jurisdiction name.language name.prefix name.source name.translation
        occurrenceTiming.event offer.identifier offer.linkId offer.party operation.organization
        oralDiet.schedule oralDiet.type output.mustSupport output.profile package.identifier
        package.manufacturer package.material package.package package.property page.page
        parameter.part part.part participantEffectiveTiming.event patientCharacteristics.value
        patternContributor.contact patternDataRequirement.mustSupport patternDataRequirement.profile
        patternHumanName.prefix patternSignature.type patternTiming.event
        patternTriggerDefinition.data physicalCharacteristics.color plan.identifier plan.network
        primarySource.communicationMethod primarySource.type procedure.type
        propertyGroup.applicability protocolApplied.targetDisease provision.action provision.actor
        provision.class provision.code provision.data provision.provision provision.purpose
        proxySignature.type publicationForm.language publishedIn.identifier qualification.identifier
        recommendation.vaccineCode referenceStrength.country regulatory.schedule
        regulatory.substitution relatedMedicationKnowledge.reference relationship.source repeat.when
        resource.fhirVersion resource.interaction resource.operation resource.searchParam
        rest.interaction rest.operation rest.resource rest.searchParam restriction.recipient
        roc.precision roc.score rule.dependent rule.rule rule.source rule.target schedule.event
        scheduledTiming.event section.author securityLabel.category securityLabel.number
        series.endpoint series.instance series.performer series.specimen setup.action signature.type
        signer.signature snapshot.element sourceSignature.type stage.assessment stratifier.component
        stratum.component stratum.population strength.country structure.representation
        studyEffectiveTiming.event subDetail.modifier substance.strength supplement.schedule
        supplementalData.usage synonym.domain synonym.jurisdiction synonym.language synonym.source
        synonym.translation target.link target.listMode target.product teardown.action term.action
        test.action timing.event timingTiming.event title.type translation.domain
        translation.jurisdiction translation.language translation.source translation.translation
        trigger.data type.profile typeTested.handling valueContributor.contact
        valueDataRequirement.mustSupport valueDataRequirement.profile valueHumanName.prefix
        valueMeta.profile valueMeta.security valueSignature.type valueTiming.event
        valueTriggerDefinition.data valuedItem.linkId variable.valueQuantity variable.valueRange
        version.language version.property
    """,
    at="""
        Appointment.participant.type AuditEvent.source.type CareTeam.participant.role
        Device.property.valueCode Device.property.valueQuantity
        DeviceDefinition.capability.description DeviceDefinition.property.valueCode
        DeviceDefinition.property.valueQuantity Encounter.participant.type
        GraphDefinition.link.target MedicationDispense.substitution.reason
        NutritionProduct.instance.identifier NutritionProduct.nutrient.amount
        Specimen.processing.additive action.subject.reference contributorship.entry.identifier
        differential.element.code offer.party.reference snapshot.element.code target.link.target
        version.filter.op
    """,
)
NUMBERS = Shape(
    names="""
        add allowedUnsignedInt altitude answerDecimal answerInteger axis backCurve careTeamSequence
        conversionFactor coordinateSystem count countMax cylinder decimalPrecision
        defaultValueDecimal defaultValueInteger defaultValuePositiveInt defaultValueUnsignedInt
        detailInteger detailSequence diagnosisSequence diameter dimensions doseNumberPositiveInt
        durationMax fMeasure fScore factor factorOverride fixedDecimal fixedInteger fixedPositiveInt
        fixedUnsignedInt frames frequencyMax groupSize gtFP index informationSequence itemSequence
        knownDataCount latitude level listOrder longitude lowerLimit maxLength maxValueDecimal
        maxValueInteger maxValuePositiveInt maxValueUnsignedInt min minValueDecimal minValueInteger
        minValuePositiveInt minValueUnsignedInt minutesDuration multipleBirthInteger noteNumber
        numFN numFP numTP numberAffected numberOfEvents numberOfInstances numberOfParticipants
        numberOfRepeatsAllowed numberOfSeries numberOfStudies offset order patternDecimal
        patternInteger patternPositiveInt patternUnsignedInt periodMax points power precedence
        precision probabilityDecimal procedureSequence queryFP queryTP rank readCoverage recall
        relativeRisk reliableCache repetitions securityLabelNumber sensitivity sequence
        seriesDosesPositiveInt size sphere subDetailSequence subdetailSequence
        supportingInfoSequence temperature truthFN truthTP upperLimit usedUnsignedInt valueDecimal
        valueInteger valuePositiveInt valueUnsignedInt windowEnd windowStart
    """,
    under="""
        Appointment.priority BiologicallyDerivedProduct.quantity Bundle.total Group.quantity
        Media.duration Media.height Media.width TestReport.score abatementAge.value
        adjudication.value adjustment.value ageAge.value allowedMoney.value amount.value
        amountQuantity.value answerQuantity.value areaUnderCurve.value boundsDuration.value
        caloricDensity.value capability.destination capability.origin capacity.value
        characteristicQuantity.value containedItemQuantity.value coverage.priority dailyAmount.value
        data.limit dataRequirement.limit daysSupply.value deceasedAge.value defaultValueAge.value
        defaultValueCount.value defaultValueDataRequirement.limit defaultValueDistance.value
        defaultValueDuration.value defaultValueMoney.value defaultValueQuantity.value
        defaultValueSampledData.period definitionDataRequirement.limit denominator.value depth.value
        detailQuantity.value dispenseInterval.value dose.value doseQuantity.value due.value
        dueDuration.value duration.value entryQuantity.value expansion.total
        expectedSupplyDuration.value externalDiameter.value fastingStatusDuration.value
        firstDose.value fixedAge.value fixedCount.value fixedDataRequirement.limit
        fixedDistance.value fixedDuration.value fixedMoney.value fixedQuantity.value
        fixedSampledData.period halfLifePeriod.value height.value high.value highNumerator.value
        inner.end inner.start input.limit instance.number length.value lethalDose50.value low.value
        lowNumerator.value maxDosePerAdministration.value maxDosePerDay.value
        maxDosePerLifetime.value maxDuration.value maxSingleDose.value maxTreatmentPeriod.value
        maxValueQuantity.value maxVolumeToDeliver.value measureScore.value minValueQuantity.value
        minimumVolumeQuantity.value net.value nominalVolume.value numerator.value
        offsetDuration.value onsetAge.value operation.destination operation.origin origin.value
        outer.end outer.start output.limit package.quantity participantEffectiveDuration.value
        participantEffectiveTimeFromStart.value patternAge.value patternCount.value
        patternDataRequirement.limit patternDistance.value patternDuration.value patternMoney.value
        patternQuantity.value patternSampledData.period paymentAmount.value performedAge.value
        period.value periodDuration.value priceOverride.value prism.amount processNote.number
        quality.end quality.start quantity.value quantityQuantity.value rateQuantity.value
        repeat.duration repeat.frequency repeat.period retentionTime.value roc.score score.value
        search.score securityLabel.number series.number specimenQuantity.value
        structureVariant.length studyEffectiveDuration.value studyEffectiveTimeFromStart.value
        timingAge.value timingDuration.value total.value totalGross.value totalNet.value
        unitPrice.value usedMoney.value value.value valueAge.value valueCount.value
        valueDataRequirement.limit valueDistance.value valueDuration.value valueMoney.value
        valueQuantity.value valueSampledData.period variant.end variant.start weight.value
        width.value
    """,
    at="""
        cost.cost.value generalCost.cost.value
    """,
)
BOOLEANS = Shape(
    names="""
        active actual affectsState allDay allergenicIndicator allowed allowedBoolean alternate
        answerBoolean appliesToAll appointmentRequired asNeededBoolean authorizationRequired
        autocreate autodelete caseSensitive complete compositional conditionalCreate
        conditionalUpdate contributedToDeath copackagedIndicator correspondingContact cors
        deceasedBoolean defaultValueBoolean deleted detailBoolean doNotPerform encodeRequestUrl
        estimatedAge exact exampleBoolean excluded experimental fixedBoolean focal freeToShare
        hierarchical immutable inactive incomplete inforce initialSelected initiatorActive isActive
        isDefault isDefining isDerived isModifier isSubpotent isSummary multipleAnd
        multipleBirthBoolean multipleOr multipleResultsAllowed navigationLinks needsMap onHold
        orderable ordered overbooked paging patternBoolean pause preferred readHistory readOnly
        receiverActive repeats reported reportedBoolean requireBoth sliceIsConstraining subrogation
        subsumption translations updateCreate userSelected validated valueBoolean verified
        versionNeeded warningOnly wasSubstituted
    """,
    under="""
        CompartmentDefinition.search Immunization.primarySource OperationDefinition.instance
        OperationDefinition.system OperationDefinition.type StructureDefinition.abstract
        TerminologyCapabilities.lockedDate agent.requestor capability.required careTeam.responsible
        characteristic.exclude closure.translation contains.abstract element.mustSupport
        item.required
    """,
    at="",
)
PRIMITIVES = Shape(
    names="""
        abatementDateTime abatementString accept accessionNumber actionId active actorId actual
        actualArm actuality add additiveProductName administrationInstruction affectsState
        affiliation ageString aggregation alias allDay allergenicIndicator allowed allowedBoolean
        allowedString allowedUnsignedInt altId alternate altitude amountString anchor answerBoolean
        answerDate answerDateTime answerDecimal answerInteger answerString answerTime answerValueSet
        appliesToAll appointmentRequired approvalDate articleDate asNeededBoolean assertion
        assignedArm assurance authorString authored authoredOn authorizationRequired
        authorizationUrl autocreate autodelete availabilityExceptions availableEndTime
        availableStartTime axis backCurve baseDefinition baseFormulaProductName birthDate bornDate
        bornString brand businessArrangement cancelledReason capabilities cardinalityBehavior
        careTeamSequence carrierAIDC carrierHRF caseSensitive chain characteristicCombination check
        cigar citation citeAsMarkdown city classifierCopyright clinicalRecommendationStatement
        closingTime codeSearch collectedDateTime collectiveName color comment
        compareToSourceExpression compareToSourceId compareToSourcePath complete compositional
        conclusion conditionalCreate conditionalDelete conditionalRead conditionalUpdate
        confidentiality contentString contentType contextInvariant contextLinkId contextType
        contributedToDeath conversionFactor coordinateSystem copackagedIndicator copyright
        correspondingContact cors count countMax created createdDateTime creation criticality
        currency current cylinder datasetId date dateAccessed dateAsserted dateDateTime dateTime
        dateWritten day dayOfWeek daysOfWeek deceasedBoolean deceasedDate deceasedDateTime
        deceasedString decimalPrecision defaultValue defaultValueBase64Binary defaultValueBoolean
        defaultValueCanonical defaultValueCode defaultValueDate defaultValueDateTime
        defaultValueDecimal defaultValueId defaultValueInstant defaultValueInteger
        defaultValueMarkdown defaultValueOid defaultValuePositiveInt defaultValueString
        defaultValueTime defaultValueUnsignedInt defaultValueUri defaultValueUrl defaultValueUuid
        definitionCanonical definitionUri deleted derivation derivedFromUri detailBoolean
        detailInteger detailSequence detailString detected deviceIdentifier diagnosisSequence
        diagnostics diameter dimensions direction disclaimer display disposition distinctIdentifier
        district div doNotPerform docStatus documentType doseNumberPositiveInt doseNumberString
        dueDate durationMax durationString durationUnit effectiveDateTime effectiveInstant
        effectiveTime enableBehavior encodeRequestUrl end enteredDate entryType equivalence
        estimatedAge etag eventNumber eventUri eventsSinceSubscriptionStart exact exampleBoolean
        exampleCanonical excluded experimental expirationDate expiry extends extraDetails eye
        fMeasure fScore factor factorOverride family fhirPathCriteria fhirVersion field
        filterDefinition filterParameter firstPage fixedBase64Binary fixedBoolean fixedCanonical
        fixedCode fixedDate fixedDateTime fixedDecimal fixedId fixedInstant fixedInteger
        fixedMarkdown fixedOid fixedPositiveInt fixedString fixedTime fixedUnsignedInt fixedUri
        fixedUrl fixedUuid focal frames freeToShare frequencyMax fullUrl gender generation
        genomeBuild given goalId graph groupMeasure groupSize groupingBehavior groupingId gtFP
        guidance hash header headerField hierarchical hierarchyMeaning hint human id
        identifiedDateTime identity identityCertificate ifMatch ifModifiedSince ifNoneExist
        ifNoneMatch immutable implementationGuide implicitRules import imports imprint inactive
        incomplete index inforce informationSequence initialSelected initials initiator
        initiatorActive inputProfile instantiates instantiatesUri instruction isActive isDefault
        isDefining isDerived isModifier isModifierReason isSubpotent isSummary issued itemSequence
        key kind knownDataCount label lastModified lastOccurrence lastPage lastPerformed
        lastReviewDate lastRevisionDate lastUpdated latitude level library license lifecycleStatus
        line linkId listMode listOrder listRuleId lockedDate logMessage longitude lotNumber
        lowerLimit manufactureDate manufacturerString map max maxLength maxValueDate
        maxValueDateTime maxValueDecimal maxValueInstant maxValueInteger maxValuePositiveInt
        maxValueTime maxValueUnsignedInt meaning meaningWhenMissing measurementPoint message min
        minValueDate minValueDateTime minValueDecimal minValueInstant minValueInteger
        minValuePositiveInt minValueTime minValueUnsignedInt minimumId minimumVolumeString
        minutesDuration mode modelNumber moduleCanonical moduleUri molecularFormula
        molecularFormulaByMoiety month multipleAnd multipleBirthBoolean multipleBirthInteger
        multipleOr multipleResultsAllowed mustSupport nameUrl navigationLinks needsMap nextScheduled
        noteNumber numFN numFP numTP number numberAffected numberOfEvents numberOfInstances
        numberOfParticipants numberOfRepeatsAllowed numberOfSeries numberOfStudies observedAllele
        observedSeq occurredDateTime occurrenceDateTime occurrenceString offset onHold
        onlineInformation onset onsetDateTime onsetString op openingTime order orderMeaning
        orderable ordered orientation outcomeDesc outputProfile overbooked overrideReason packageId
        pageCount pageString paging param parameterName params partNumber
        participantEffectiveDateTime participantEffectiveDescription
        participantEffectiveGroupMeasure participantStatus patchFormat path patientInstruction
        patternBase64Binary patternBoolean patternCanonical patternCode patternDate patternDateTime
        patternDecimal patternId patternInstant patternInteger patternMarkdown patternOid
        patternPositiveInt patternString patternTime patternUnsignedInt patternUri patternUrl
        patternUuid pause payloadMimeType paymentDate paymentTerms performedDateTime performedString
        performerLinkId periodMax periodString periodUnit permittedDataType points postConditions
        postalCode power preAuthRef preConditions precedence precheckBehavior precision preference
        preferred preferredReportName prefix preparation preparationInstruction presentationDate
        probabilityDecimal procedureSequence productCategory productName productRelatedness
        proxyIdentityCertificate publicationDate publicationStatus publisherLocation query queryFP
        queryTP question questionnaire rank rateAggregation rater rationale readCoverage readHistory
        readOnly readsetId reasonLinkId recall received receivedTime receiverActive recorded
        recordedDate recordedOn referenceAllele referencePolicy referenceSeqString relation
        relationtype relativePath relativeRisk releaseDate reliableCache rendering repeats
        repetitions reported reportedBoolean requestId requestMethod requestURL requesterLinkId
        requireBoth required requiredBehavior requirement requirements resourceId resourceType
        responseCode responseId responseRequired restoreDate resultForCreate resultForDelete
        revInclude riskAdjustment rules scale scheduledString searchInclude searchRevInclude
        searchType season securityLabelNumber selectionBehavior sensitivity sent sequence
        serialNumber seriesDosesPositiveInt seriesDosesString servicedDate shape short shortTitle
        sigFormat situation size sliceIsConstraining sliceName sourceCanonical sourceId
        sourceIdentityCertificate sourceUri sourceVersion sphere startDate started state strand
        studyEffectiveDateTime studyEffectiveDescription studyEffectiveGroupMeasure
        subDetailSequence subdetailSequence subjectCanonical subjectType subrogation subscriberId
        subsumption subtitle suffix supplements supportedInteraction supportedProfile
        supportingInfoSequence system targetCanonical targetFormat targetId targetLocation
        targetProfile targetUri targetVersion temperature tester textConcentration textEquivalent
        textFilter textPresentation time timeAspect timeDateTime timeOfDay timestamp timingDate
        timingDateTime transform translations truthFN truthTP typeMode uid updateCreate upperLimit
        uri url useBy usedString usedUnsignedInt userSelected validTo validateProfileId validated
        validationDate valueBase64Binary valueBoolean valueCanonical valueDate valueDateTime
        valueDecimal valueId valueInstant valueInteger valueMarkdown valueOid valuePositiveInt
        valueSet valueString valueTime valueUnsignedInt valueUri valueUrl valueUuid variableType
        variantsetId verificationDate verified versionId versionNeeded versioning volume warningOnly
        wasSubstituted when whenHandedOver whenPrepared windowEnd windowStart workflow xpath
        xpathUsage year
    """,
    under="",
    at="",
)
