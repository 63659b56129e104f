import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

/** LFW photos committed for the tests (see test/fixtures/README.md). */
export const LFW_IMAGES = path.join(REPO_ROOT, 'test/fixtures/lfw/images');

export interface FixturePerson {
  name: string;
  /** Absolute paths, in file-name order. */
  files: string[];
}

/** The fixture people in name order, keeping those with at least `minPhotos` photos. */
export function lfwPeople(minPhotos = 1): FixturePerson[] {
  return fs
    .readdirSync(LFW_IMAGES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      files: fs
        .readdirSync(path.join(LFW_IMAGES, name))
        .sort()
        .map((f) => path.join(LFW_IMAGES, name, f)),
    }))
    .filter((p) => p.files.length >= minPhotos);
}

/** Every fixture photo, person by person. */
export function lfwPhotos(): string[] {
  return lfwPeople().flatMap((p) => p.files);
}
