/**
 * KINFINDER_MAX_LEASES's default: candidates one person may hold open at once. A verifier looks
 * at one candidate and perhaps the next few; more than that hides work from the others (issue
 * 25: one verifier leased 298 candidates in 1.6 s and the others' queues fell from 305 to 35).
 */
export const DEFAULT_MAX_LEASES = 3;
