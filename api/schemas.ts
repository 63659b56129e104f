import { z } from '@hono/zod-openapi';
import { MAX_REFERENCE_PHOTOS } from '../src/cases/reference-photos.ts';
import { ERROR_CODES, type ErrorCode } from '../src/errors.ts';
import {
  BANDS,
  BATCH_CHANNELS,
  CANDIDATE_STATUSES,
  CASE_STATUSES,
  DECISION_KINDS,
  PERSON_EVENT_KINDS,
  PHOTO_STATUSES,
  REVIEW_QUEUES,
  ROLES,
  STAFF_ROLES,
} from '../src/vocabulary.ts';
import { CATEGORIES, FAMILY_CASE_STATUSES, FAMILY_NOTICE_KINDS, REACHED_BY } from '../src/vocabulary.ts';
import { LANGUAGES } from '../src/i18n/languages.ts';

/**
 * The JSON shapes of DESIGN.md §5 as zod schemas, each a named component of the OpenAPI document.
 * The route declarations name them as their responses, so TypeScript checks that what
 * api/present.ts builds is what the document says (fields may be added here, never renamed).
 */

const id = z.uuid();
const url = z.string().openapi({ description: 'a path on this server, to fetch with the same Authorization header' });
const json = z.record(z.string(), z.unknown());
const dateTime = z.string().openapi({ format: 'date-time' });

export const Box = z
  .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
  .openapi('Box', { description: 'in pixels of the upright original photo' });

const Quality = json.openapi('FaceQuality', {
  description: 'face size, eye distance, sharpness, pose and brightness as measured at detection',
});

const GalleryFace = z
  .object({ id, box: Box, score: z.number(), quality: Quality, cropUrl: url })
  .openapi('GalleryFace');

const CandidatePhoto = z
  .object({
    id,
    originalName: z.string().nullable(),
    source: z.string().nullable(),
    metadata: json,
    width: z.number().nullable(),
    height: z.number().nullable(),
    imageUrl: url,
  })
  .openapi('CandidatePhoto');

const referenceBase = {
  id,
  box: Box,
  cropUrl: url,
  photoUrl: url,
  photoWidth: z.number().nullable(),
  photoHeight: z.number().nullable(),
};

/** One event of what became of an archive person, as families read it. */
export const FamilyEvent = z
  .object({
    kind: z.enum(PERSON_EVENT_KINDS),
    date: z.string().openapi({ description: 'YYYY, YYYY-MM or YYYY-MM-DD' }),
    place: z.string().optional(),
  })
  .openapi('FamilyEvent');

/** A candidate as its family may see it: no reference face, no subject. */
export const Match = z
  .object({
    id,
    searchId: id,
    rank: z.number().int(),
    similarity: z
      .number()
      .nullable()
      .openapi({ description: "the face's cosine similarity; null for a photo found by its record alone" }),
    band: z.enum(BANDS).nullable(),
    status: z.enum(CANDIDATE_STATUSES),
    confirmations: z.number().int(),
    faceId: id.nullable(),
    photoId: id,
    personId: id.openapi({ description: 'the archive person proposed (DESIGN §16); photoId is his best photo' }),
    face: GalleryFace.nullable(),
    photo: CandidatePhoto,
  })
  .openapi('Match');

/** One field's agreement between the family's description and the archive record (DESIGN §11). */
export const EvidenceItem = z
  .object({
    field: z
      .string()
      .openapi({ description: 'surname, givenName, patronymic, birthYear, idNumber, unit, marks or face' }),
    level: z
      .string()
      .openapi({
        description:
          "the field's agreement level, e.g. same, phonetic, initial, within_1, one_edit, strong, below_floor",
      }),
    weight: z.number().openapi({ description: 'log2(m/u) in bits: positive for agreement, negative for disagreement' }),
  })
  .openapi('Evidence');

export const Candidate = Match.extend({
  referenceFace: z
    .object(referenceBase)
    .optional()
    .openapi({ description: "the family's face this candidate was found with; absent once the family deleted it" }),
  subject: json.openapi({ description: 'what the family said about the person they look for' }),
  lang: z
    .enum(LANGUAGES)
    .nullable()
    .openapi({ description: "the family's language (the case's); null for cases opened before it was kept" }),
  category: z.enum(CATEGORIES).openapi({ description: "the archive photo's category" }),
  matchWeight: z
    .number()
    .openapi({ description: 'the Fellegi-Sunter total of the evidence (bits); candidates are ranked by it' }),
  matchProbability: z
    .number()
    .nullable()
    .openapi({ description: 'the probability the total stands for, with one in the archive size as the prior' }),
  evidence: z.array(EvidenceItem),
  strangerRate: z
    .number()
    .nullable()
    .openapi({
      description:
        'the chance that a stranger shows evidence this strong (face and record), per archive record; ' +
        'null for a candidate kept before the bar existed',
    }),
}).openapi('Candidate');

export const ReferenceFace = z
  .object({ ...referenceBase, photoIndex: z.number().int(), quality: Quality })
  .openapi('ReferenceFace');

export const Search = z
  .object({ id, status: z.enum(CASE_STATUSES), createdAt: dateTime })
  .openapi('Search', { description: 'a case: one person looked for' });

/** A case found by staff (GET /searches): what the family said of the person, enough to tell namesakes apart. */
export const FoundCase = z
  .object({
    id,
    status: z.enum(CASE_STATUSES),
    createdAt: dateTime,
    lang: z
      .enum(LANGUAGES)
      .nullable()
      .openapi({ description: 'the language the family opened the case in; null when not kept' }),
    subject: z
      .object({
        surname: z.string().optional(),
        givenName: z.string().optional(),
        patronymic: z.string().optional(),
        birthDate: z.string().optional(),
        idNumber: z.string().optional(),
        unit: z.string().optional(),
      })
      .openapi({ description: 'the fields the family gave, as typed' }),
  })
  .openapi('FoundCase');

export const FoundCasePage = z
  .object({
    items: z
      .array(FoundCase)
      .openapi({ description: 'closest agreement first (same surname before a similar one), then newest' }),
    next: z.string().optional(),
  })
  .openapi('FoundCasePage');
export const FamilySearch = z
  .object({
    id,
    status: z
      .enum(FAMILY_CASE_STATUSES)
      .openapi({
        description:
          '`open` until a result is confirmed, then `answered`: never whether the archive holds candidates (DESIGN §14)',
      }),
    createdAt: dateTime,
  })
  .openapi('FamilySearch', { description: 'a case as its family reads it' });

export const Photo = z
  .object({
    id,
    originalName: z.string().nullable(),
    sha256: z.string(),
    status: z.enum(PHOTO_STATUSES),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    source: z.string().nullable(),
    metadata: json,
    width: z.number().nullable(),
    height: z.number().nullable(),
    imageUrl: url,
    faces: z.array(GalleryFace),
    category: z.enum(CATEGORIES).optional(),
    batchId: id.nullable().optional(),
    modelId: z.string().nullable().optional(),
    withdrawal: z.object({ reason: z.string(), at: dateTime }).optional(),
  })
  .openapi('Photo');

const CodeAndMessage = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
});

export const UploadResult = z
  .object({
    batchId: id.openapi({ description: 'the batch these files were added to (GET /api/v1/batches/{id})' }),
    photos: z.array(
      z.union([
        z.object({
          id,
          sha256: z.string(),
          originalName: z.string(),
          status: z.enum(PHOTO_STATUSES),
          duplicateOf: id.optional(),
        }),
        z.object({ originalName: z.string(), error: CodeAndMessage }),
      ]),
    ),
  })
  .openapi('UploadResult', {
    description: 'each file accepted (queued, or a duplicate of a known photo) or refused on its own',
  });

export const SearchCreated = z
  .object({
    search: Search.or(FamilySearch).openapi({
      description: 'a verifier reads the full status; an anonymous caller the family status (`open`)',
    }),
    caseCode: z
      .string()
      .optional()
      .openapi({
        description:
          "anonymous callers only: the case code (`XXXX-XXXX-XXXX`, Crockford base32), shown once; the family's bearer token",
        example: 'K7Q4-M2X9-PD3F',
      }),
    accessToken: z.string().optional().openapi({ description: 'the same value as `caseCode`, for older clients' }),
    referenceFaces: z.array(ReferenceFace),
    candidates: z.array(Candidate).optional().openapi({ description: 'verifier callers only' }),
  })
  .openapi('SearchCreated');

export const CaseCode = z.object({ caseCode: z.string().openapi({ example: 'K7Q4-M2X9-PD3F' }) }).openapi('CaseCode');

/** A confirmed match as its family sees it (DESIGN §9): nothing of the archive's internals. */
export const FamilyMatch = z
  .object({
    id,
    category: z.enum(CATEGORIES),
    reachedBy: z
      .enum(REACHED_BY)
      .openapi({ description: 'how it was found: by the face, by the description the family gave (record), or both' }),
    familyMessage: z
      .string()
      .openapi({
        description: "the confirming verifier's words, or a default sentence for the category in the caller's language",
      }),
    defaultMessage: z
      .string()
      .openapi({ description: "the default sentence for the category, in the caller's language" }),
    verifierMessage: z
      .string()
      .nullable()
      .openapi({
        description: "the confirming verifier's own words (possibly in another language), or null when they wrote none",
      }),
    confirmedAt: dateTime,
    photoUrl: url,
    status: z
      .enum(PERSON_EVENT_KINDS)
      .nullable()
      .openapi({ description: 'what became of him, the newest event verifiers approved for families; null for none' }),
    history: z.array(FamilyEvent).openapi({ description: 'the approved events, newest first (DESIGN §16)' }),
  })
  .openapi('FamilyMatch');
export const FamilyNotice = z
  .object({
    kind: z
      .enum(FAMILY_NOTICE_KINDS)
      .openapi({
        description:
          '`result_rechecked`: a result the family was given is being checked again (reopened or withdrawn); ' +
          '`status_changed`: what became of him changed since the result (DESIGN §16)',
      }),
    at: dateTime,
  })
  .openapi('FamilyNotice');
export const CaseForFamily = z
  .object({
    search: FamilySearch,
    subject: z
      .record(z.string(), z.string())
      .openapi({ description: 'what the family told us, as they gave it (their own fields only)' }),
    notices: z.array(FamilyNotice),
    confirmed: z.array(FamilyMatch),
    referencePhotos: z.number().int().openapi({ description: 'how many photos the family has given' }),
  })
  .openapi('CaseForFamily');

const DecisionEntry = z
  .object({
    id,
    decision: z.enum(DECISION_KINDS),
    by: z.object({ personId: id.nullable(), name: z.string().nullable(), role: z.string() }),
    note: z.string().nullable(),
    reason: z.string().nullable(),
    familyMessage: z.string().nullable(),
    at: dateTime,
  })
  .openapi('DecisionEntry');

const OwnDecision = z
  .object({
    id,
    decision: z.enum(DECISION_KINDS),
    note: z.string().nullable(),
    reason: z.string().nullable(),
    familyMessage: z.string().nullable(),
    at: dateTime,
    retractableUntil: dateTime
      .nullable()
      .openapi({ description: 'until when `retract` is accepted; null once it is not (final, or after 15 minutes)' }),
    // Computed here so the console does not spell out which kinds are an admin's (src/vocabulary.ts).
    settles: z
      .boolean()
      .openapi({ description: "an admin's settling of a disputed candidate, not a verifier's answer" }),
  })
  .openapi('OwnDecision');

/** A photo of an archive person (DESIGN §16). */
export const PersonPhoto = z
  .object({
    id,
    personId: id,
    originalName: z.string().nullable(),
    source: z.string().nullable(),
    status: z.enum(PHOTO_STATUSES),
    category: z.enum(CATEGORIES),
    metadata: json,
    width: z.number().nullable(),
    height: z.number().nullable(),
    createdAt: dateTime,
    imageUrl: url,
    faces: z.array(z.object({ id, box: Box, cropUrl: url })),
  })
  .openapi('PersonPhoto');

/** DESIGN §10: blind review. */
export const ReviewItem = Candidate.extend({
  photos: z.array(PersonPhoto).openapi({ description: 'every photo of the person proposed, the best one included' }),
  personStatus: z
    .enum(PERSON_EVENT_KINDS)
    .nullable()
    .openapi({ description: 'what became of him as approved for families; null for nothing yet' }),
  confirmations: z.number().int().optional().openapi({ description: 'absent until you have decided (blind review)' }),
  myDecision: OwnDecision.nullable().openapi({ description: 'your own decision that counts now, or null' }),
  decisions: z
    .array(DecisionEntry)
    .optional()
    .openapi({ description: 'every decision that counts now; absent until you have decided (admins: always)' }),
  caseConfirmed: z
    .boolean()
    .openapi({
      description:
        'the case already has a confirmed match; this candidate may still be the same person in another photo',
    }),
  strangersPerSearch: z
    .number()
    .nullable()
    .optional()
    .openapi({
      description:
        'strangers a search of the archive as it is now is expected to show this high (0.05: about 1 search in 20)',
    }),
}).openapi('ReviewItem');

export const CaseCandidates = z
  .object({
    bar: z.object({
      archiveSize: z.number().int().openapi({ description: 'faces (or records) a search of the archive compares' }),
      fpir: z.number().openapi({ description: 'KINFINDER_QUEUE_FPIR: strangers per search the bar lets through' }),
      maxRate: z.number().openapi({ description: 'the highest strangerRate offered in the queue now' }),
    }),
    items: z.array(ReviewItem),
  })
  .openapi('CaseCandidates');

const QueueCase = Search.extend({
  subject: json.openapi({ description: 'what the family said about the person they look for' }),
  referenceFaces: z.array(ReferenceFace),
  confirmedMatch: z.boolean(),
  related: z
    .array(z.object({ id, why: z.enum(['same_photo', 'same_subject']) }))
    .openapi({ description: 'other cases opened with the same photo or describing the same man' }),
}).openapi('QueueCase');

export const ReviewPage = z
  .object({
    items: z
      .array(ReviewItem)
      .openapi({
        description: 'by case (cases with a confirmed match last, then oldest case first), each case best first',
      }),
    cases: z.array(QueueCase).openapi({ description: "the items' cases, in the order their items come" }),
    next: z.string().optional(),
  })
  .openapi('ReviewPage');
export const Decided = z.object({ candidate: ReviewItem }).openapi('Decided');
/** Blind as the queue is: a verifier sees others' answers on a candidate only after their own. */
export const CaseForStaff = z
  .object({ search: Search, referenceFaces: z.array(ReferenceFace), candidates: z.array(ReviewItem) })
  .openapi('CaseForStaff');

export const Lease = z.object({ leasedUntil: dateTime }).openapi('Lease');

export const MyReview = z
  .object({
    role: z.string(),
    name: z.string(),
    since: dateTime,
    decisions: z.array(
      z.object({
        id,
        candidateId: id,
        searchId: id,
        decision: z.enum(DECISION_KINDS),
        at: dateTime,
        counts: z.boolean().openapi({ description: 'still counts (not retracted, not reopened since)' }),
        candidateStatus: z.enum(CANDIDATE_STATUSES),
        retractableUntil: dateTime.nullable(),
      }),
    ),
    queues: z.object(
      Object.fromEntries(REVIEW_QUEUES.map((q) => [q, z.number().int().optional()])) as Record<
        (typeof REVIEW_QUEUES)[number],
        z.ZodOptional<z.ZodNumber>
      >,
    ),
  })
  .openapi('MyReview');

export const Token = z
  .object({
    id,
    token: z.string().openapi({ description: 'the secret, shown only in this answer' }),
    role: z.enum(STAFF_ROLES),
    name: z.string(),
  })
  .openapi('Token');

export const AuditEvent = z
  .object({
    id: z.string(),
    at: dateTime,
    actorId: z.string().nullable(),
    actorRole: z
      .string()
      .nullable()
      .openapi({ description: `a role (${ROLES.join(', ')}), anonymous, or a system actor such as the command line` }),
    actorName: z
      .string()
      .nullable()
      .openapi({
        description: 'the person behind the token (their name), or null: a family, anonymous, a system actor',
      }),
    action: z.string(),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    details: json,
  })
  .openapi('AuditEvent');

export const AuditPage = z.object({ events: z.array(AuditEvent), next: z.string().optional() }).openapi('AuditPage');

export const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.object({ kind: z.string(), schemaVersion: z.number().int().nullable() }),
    face: z
      .object({
        backend: z.string(),
        modelId: z.string(),
        recogniser: z.string().openapi({ description: 'KINFINDER_RECOGNISER: face-api or face-api+mobilefacenet' }),
      })
      .nullable(),
    archive: z
      .object({
        photosOnOlderModel: z
          .number()
          .int()
          .openapi({ description: 'processed photos still on an older model (kinfinder reembed moves them)' }),
      })
      .optional(),
    warnings: z
      .array(z.string())
      .openapi({
        description:
          'what an operator should fix though the service runs: `no_contact` (a language whose family pages name nobody to call)',
      }),
  })
  .openapi('Health');

export const ErrorBody = z
  .looseObject({
    error: CodeAndMessage.loose().openapi({
      description: 'clients act on `code` (and the details beside it), never on the message',
    }),
  })
  .openapi('Error', {
    description:
      'some errors carry data at the top level too: `faces` for choose_face, per-file `photos` for an upload',
  });

// Multipart bodies are read by api/multipart.ts; these schemas only describe them (a file field
// is a binary string in OpenAPI).
const file = z.string().openapi({ type: 'string', format: 'binary' });

export const PhotoUploadForm = z
  .object({
    file: z.array(file).openapi({ description: 'one or more photos (repeat the field)' }),
    source: z.string().optional().openapi({ description: 'where the photos come from (an archive, a unit, a family)' }),
    metadata: z
      .string()
      .optional()
      .openapi({
        description:
          'a JSON object, at most 16 KB, kept with each photo; the person record goes in it (DESIGN §11: names, birthDate, idNumbers, unit, marks)',
      }),
    metadataCsv: file
      .optional()
      .openapi({
        description:
          'a metadata CSV as `kinfinder ingest --metadata` reads it (DESIGN §11 columns: file, names, birth_date, id_number, unit, marks, ' +
          'category, captured_at, location, notes): each photo, or zip entry, takes the row its name matches, over `metadata`. ' +
          'A CSV that cannot be read refuses the request (422 invalid_metadata, details: row, column, reason)',
      }),
    category: z
      .enum(CATEGORIES)
      .optional()
      .openapi({ description: "what every photo of the request shows (default: the batch's, else unknown)" }),
    batch: z
      .string()
      .optional()
      .openapi({
        description:
          'the id of a batch made with POST /api/v1/batches to add these files to; without it the request is a batch of its own',
      }),
  })
  .openapi('PhotoUploadForm');

const faceIndex = z
  .array(z.string())
  .optional()
  .openapi({
    description:
      'per photo, which face (0 = the largest) when it shows several; repeated or comma-separated, empty for "the only face"',
  });

// Multipart bodies are read by the handlers (api/multipart.ts), not by these schemas: they are
// the document only, so each says just what its handler accepts.
export const SearchForm = z
  .object({
    // Optional: a case opened from its subject alone (a surname or a document number) is accepted.
    photo: z
      .array(file)
      .max(MAX_REFERENCE_PHOTOS)
      .optional()
      .openapi({
        description:
          `up to ${MAX_REFERENCE_PHOTOS} photos of the one person (repeat the field); ` +
          'none is needed when the subject has a surname or a document number (else 400 invalid_input)',
      }),
    faceIndex,
    subject: z
      .string()
      .optional()
      .openapi({
        description:
          'a JSON object, at most 16 KB, every field optional and text (or null): {surname, givenName, patronymic, ' +
          'birthDate (YYYY, YYYY-MM or YYYY-MM-DD), unit, idNumber, marks, notes} in any script; matched against the archive ' +
          "records (DESIGN §11) and shown to verifiers with each candidate. Older clients' name, born and details are kept and " +
          'shown, not matched. Any other field, or a value that is not text, is refused (400 invalid_input); a birth date in ' +
          'the future or one that is not a date is refused (422 invalid_subject).',
      }),
  })
  .openapi('SearchForm');

/** `POST /case/photos`: photos only (the subject is changed with `PATCH /case/subject`). */
export const CasePhotosForm = z
  .object({
    photo: z
      .array(file)
      .min(1)
      .max(MAX_REFERENCE_PHOTOS)
      .openapi({ description: `1 to ${MAX_REFERENCE_PHOTOS} photos of the person (repeat the field)` }),
    faceIndex,
  })
  .openapi('CasePhotosForm');

// ---- operators and admins (DESIGN §12) ----

export const PhotoListItem = z
  .object({
    id,
    originalName: z.string().nullable(),
    sha256: z.string(),
    status: z.enum(PHOTO_STATUSES),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    category: z.enum(CATEGORIES),
    source: z.string().nullable(),
    metadata: json,
    batchId: id.nullable(),
    modelId: z.string().nullable(),
    faceCount: z.number().int(),
    createdAt: dateTime,
    imageUrl: url,
  })
  .openapi('PhotoListItem');

export const PhotoPage = z.object({ items: z.array(PhotoListItem), next: z.string().optional() }).openapi('PhotoPage');

export const BatchCounts = z
  .object({
    files: z.number().int(),
    queued: z.number().int(),
    processing: z.number().int(),
    done: z.number().int(),
    failed: z.number().int().openapi({ description: 'refused on arrival or failed while processed' }),
    withdrawn: z.number().int(),
    duplicates: z.number().int(),
    refused: z.number().int(),
    faces: z.number().int(),
  })
  .openapi('BatchCounts');

export const Batch = z
  .object({
    id,
    createdAt: dateTime,
    channel: z.enum(BATCH_CHANNELS),
    source: z.string().nullable(),
    category: z.enum(CATEGORIES),
    createdBy: z.object({ tokenId: z.string().nullable(), role: z.string(), personId: z.string().nullable() }),
    counts: BatchCounts,
    finished: z.boolean(),
  })
  .openapi('Batch');

export const BatchPage = z.object({ items: z.array(Batch), next: z.string().optional() }).openapi('BatchPage');

export const Withdrawn = z
  .object({
    photo: z.object({ id, status: z.literal('withdrawn') }),
    removedCandidates: z.number().int(),
    keptCandidates: z.array(z.object({ id, searchId: id, status: z.enum(CANDIDATE_STATUSES) })),
    cases: z.array(z.object({ id, before: z.enum(CASE_STATUSES), after: z.enum(CASE_STATUSES) })),
  })
  .openapi('Withdrawn');

export const TokenInfo = z
  .object({
    id,
    role: z.enum(ROLES),
    name: z.string(),
    personId: z.string().nullable(),
    createdAt: dateTime,
    lastUsedAt: dateTime.nullable(),
    revokedAt: dateTime.nullable(),
  })
  .openapi('TokenInfo', { description: 'a token as an admin sees it: never its secret' });

export const TokenList = z.object({ items: z.array(TokenInfo) }).openapi('TokenList');

/** An event of what became of an archive person, as staff read it (DESIGN §16). */
export const PersonEvent = z
  .object({
    id,
    personId: id,
    kind: z.enum(PERSON_EVENT_KINDS),
    date: z.string(),
    place: z.string().nullable(),
    source: z.string().nullable(),
    createdAt: dateTime,
    approvedBy: z.array(id),
    rejectedBy: z.array(id),
    state: z
      .enum(['awaiting', 'approved', 'rejected'])
      .openapi({ description: 'approved: families whose case confirmed him read it (died: two verifiers)' }),
  })
  .openapi('PersonEvent');

/** An archive person: his photos (their records are their metadata), events, and how he was grouped. */
export const Person = z
  .object({
    id,
    ref: z.string().nullable(),
    mergedInto: id.nullable(),
    withdrawn: z.boolean(),
    createdAt: dateTime,
    photos: z.array(PersonPhoto),
    records: z
      .array(z.object({ photoId: id }).catchall(z.unknown()))
      .openapi({
        description: 'the record fields (names, birthDate, idNumbers, unit, marks) of each photo that has any',
      }),
    events: z.array(PersonEvent),
    moves: z.array(
      z.object({
        photoId: id,
        from: id,
        to: id,
        cause: z.enum(['add', 'remove', 'merge']),
        suggestionId: id.nullable(),
        at: dateTime,
      }),
    ),
  })
  .openapi('Person');

export const PersonRegrouped = z
  .object({
    personId: id.optional(),
    photos: z.array(id),
    movedCandidates: z.array(id),
    mergedCandidates: z.array(z.object({ id, into: id })),
    cases: z.array(id),
  })
  .openapi('PersonRegrouped');

export const MergeSuggestionPage = z
  .object({
    items: z.array(
      z.object({
        id,
        similarity: z.number(),
        createdAt: dateTime,
        personA: id,
        personB: id,
        photoA: id,
        photoB: id,
        photosA: z.array(PersonPhoto),
        photosB: z.array(PersonPhoto),
      }),
    ),
  })
  .openapi('MergeSuggestionPage');

export const PersonWithdrawn = z
  .object({
    person: z.object({ id, withdrawn: z.literal(true) }),
    photos: z.array(id),
    removedCandidates: z.number().int(),
    keptCandidates: z.array(z.object({ id, searchId: id, status: z.enum(CANDIDATE_STATUSES) })),
    cases: z.array(z.object({ id, before: z.enum(CASE_STATUSES), after: z.enum(CASE_STATUSES) })),
  })
  .openapi('PersonWithdrawn');
