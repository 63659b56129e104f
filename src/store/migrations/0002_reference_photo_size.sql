-- Face boxes are in the upright original's pixels, but a reference photo is shown scaled down
-- (at most 2048 px): its size is kept so the console can place the box on it. Cases opened
-- before this migration keep NULL; the console then uses the served image's own size.
ALTER TABLE reference_faces
  ADD COLUMN photo_width  integer CHECK (photo_width > 0),
  ADD COLUMN photo_height integer CHECK (photo_height > 0);
