-- The family's whole photo for the review console. Face boxes are in the upright original's
-- pixels, but the photo is shown scaled down (at most 2048 px): its size is kept so the console
-- can place the box. The scaled, metadata-free JPEG is made once, when the case is opened, not
-- on every view. Cases opened before this migration keep NULLs; the photo is then made on
-- request and the console uses the served image's own size.
ALTER TABLE reference_faces
  ADD COLUMN photo_width    integer CHECK (photo_width > 0),
  ADD COLUMN photo_height   integer CHECK (photo_height > 0),
  ADD COLUMN display_sha256 text CHECK (display_sha256 ~ '^[0-9a-f]{64}$');
