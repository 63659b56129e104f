-- The language the family opened its case in (issue 27, DESIGN §15): a verifier writing a message
-- for the family sees it beside the message box, and the console pre-fills the default sentence
-- in it. Null for cases opened before it was kept (their family's language is not known).
ALTER TABLE searches ADD COLUMN lang text CHECK (lang IN ('ru', 'uk', 'en'));
