/**
 * The call journal: per process, the calls it made and the results it was given, kept from its
 * spawn for as long as it lives (and {@code journalRetentionMillis} after its exit), so that a
 * restart after a crash gives each process back exactly the results it had already seen
 * ({@link org.agentos.kernel.impl.journal.CallJournal#recover}) and a replay can run it again.
 *
 * <p>Private to the kernel bundle: used by the kernel's other packages, exported to no one.
 */
package org.agentos.kernel.impl.journal;
