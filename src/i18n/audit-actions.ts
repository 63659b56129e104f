/**
 * The catalogue key of an audit action's label (`admin:action_search_code_reissue` for
 * `search.code.reissue`): i18next reads '.' as a key separator, so the code's dots become '_'
 * in a flat key, as the other admin keys are (`role_admin`). The admin page's script
 * (api/pages/assets/admin.js: actionLabel) derives the same key; test/unit/audit-labels.test.ts
 * holds every action in AUDIT_ACTIONS to a label in ru, uk and en.
 */
export function auditActionKey(action: string): string {
  return `admin:action_${action.replaceAll('.', '_')}`;
}
