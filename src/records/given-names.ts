import data from './data/given-names.json' with { type: 'json' };
import { latinForm, skeletonOf } from './normalise.ts';

/**
 * Given-name equivalents (src/records/data/given-names.json): Сергей · Сергій · Serhii · Sergei
 * are one name, Александр · Олександр one, Николай · Микола one. Each form is indexed by its
 * skeleton, so any spelling that folds to a listed one finds the group too.
 */
const groupsBySkeleton = new Map<string, number[]>();
/** The first letters of every form of each group: "O." agrees with Александр through Олександр. */
const initialsOfGroup: string[][] = [];

data.groups.forEach((forms, g) => {
  const initials = new Set<string>();
  for (const form of forms) {
    const sk = skeletonOf(latinForm(form));
    if (sk === '') continue;
    const list = groupsBySkeleton.get(sk) ?? [];
    if (!list.includes(g)) list.push(g);
    groupsBySkeleton.set(sk, list);
    initials.add(sk[0]!);
  }
  initialsOfGroup.push([...initials]);
});

/** The equivalence groups a given name belongs to (by skeleton); empty for a name not listed. */
export function givenNameGroups(skeleton: string): number[] {
  return groupsBySkeleton.get(skeleton) ?? [];
}

/** Whether two given names (skeletons) are the same name: equal, or listed in one group. */
export function givenNamesEquivalent(a: string, b: string): boolean {
  if (a === b) return true;
  const ga = givenNameGroups(a);
  return ga.length > 0 && givenNameGroups(b).some((g) => ga.includes(g));
}

/** The initials a given name may be written with: its own, and those of its equivalents. */
export function initialsOf(skeleton: string): string[] {
  const out = new Set<string>(skeleton === '' ? [] : [skeleton[0]!]);
  for (const g of givenNameGroups(skeleton)) for (const i of initialsOfGroup[g] ?? []) out.add(i);
  return [...out];
}

/** Every skeleton of every group this name is in (for counting how common the name is). */
export function equivalentSkeletons(skeleton: string): string[] {
  const out = new Set<string>([skeleton]);
  const groups = givenNameGroups(skeleton);
  for (const [sk, gs] of groupsBySkeleton) if (gs.some((g) => groups.includes(g))) out.add(sk);
  return [...out];
}

/** The group lists, for the benchmark's synthetic names: [Russian form, Ukrainian form, Latin spellings…]. */
export const GIVEN_NAME_GROUPS: readonly (readonly string[])[] = data.groups;
