-- Finding a case (issue 29, DESIGN §18): a family who lost its code often still has the first
-- group of it on a scrap of paper. The code itself is stored only as an scrypt hash; what is kept
-- of its first four characters is a keyed hash (src/access/case-code.ts: codePrefixKey), like the
-- throttles' keys (0011): no part of a code is stored. Codes made before this migration have none
-- and are found by the whole code only.
ALTER TABLE tokens ADD COLUMN code_prefix_key text;
CREATE INDEX tokens_code_prefix_key_idx ON tokens (code_prefix_key) WHERE code_prefix_key IS NOT NULL;
