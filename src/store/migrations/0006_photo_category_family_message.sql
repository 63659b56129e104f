-- Two columns several parts of the service read and write (DESIGN §9, §12), added in one small
-- migration of their own so that the families', verifiers' and operators' changes can build on
-- them independently.

-- What a confirmed match tells a family depends on what the archive photo shows: a prisoner
-- ("registered as a prisoner of war") or the dead ("identified among the dead"). Set at ingest;
-- 'unknown' until someone says otherwise, so no family is told more than the archive knows.
ALTER TABLE photos ADD COLUMN category text NOT NULL DEFAULT 'unknown'
  CHECK (category IN ('prisoner', 'deceased', 'unknown'));

-- The words a confirming verifier writes for the family. Kept on the decision row (append-only)
-- so what the family was told is part of the record of who decided what.
ALTER TABLE decisions ADD COLUMN family_message text CHECK (length(family_message) <= 2000);
