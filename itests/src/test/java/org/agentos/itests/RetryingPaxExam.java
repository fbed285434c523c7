package org.agentos.itests;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;

/**
 * {@link PaxExam}, retried once when the test probe could not be installed because Karaf was
 * still provisioning its boot features: Pax Exam installs the probe as soon as its own bundle
 * is up, and Karaf's features resolver hook refuses to resolve a bundle installed in the middle
 * of a deployment ("Resolver hook prevented resolution"). Also retried once: a container that
 * never reported in ("Container never came up", seen when a 2-core machine is starved while
 * Karaf boots; Pax Exam may report the first test as started by then, though none ran). Only
 * these failures, at class level, before any test ran, are retried; everything else is reported
 * as it happened.
 */
public class RetryingPaxExam extends Runner {
    static final String BOOT_RACE = "Resolver hook prevented resolution";
    static final String NEVER_CAME_UP = "Container never came up";

    private final Class<?> testClass;
    private final Runner first;

    public RetryingPaxExam(Class<?> testClass) throws InitializationError {
        this.testClass = testClass;
        this.first = delegate(testClass);
    }

    /** The runner to retry; PaxExam here, a plain runner in RetryingPaxExamTest. */
    protected Runner delegate(Class<?> testClass) throws InitializationError {
        return new PaxExam(testClass);
    }

    @Override
    public Description getDescription() {
        return first.getDescription();
    }

    @Override
    public void run(RunNotifier notifier) {
        Recording attempt = record(first);
        if (attempt.hitBootRace()) {
            System.err.println(testClass.getName() + ": the container did not boot cleanly ("
                    + attempt.reason + "); starting it again");
            try {
                attempt = record(delegate(testClass));
            } catch (InitializationError e) {
                notifier.fireTestFailure(new Failure(getDescription(), e));
                return;
            }
        }
        attempt.replay(notifier);
    }

    private static Recording record(Runner runner) {
        Recording r = new Recording();
        RunNotifier n = new RunNotifier();
        n.addListener(r);
        try {
            runner.run(n);
        } catch (RuntimeException e) {
            // Pax Exam throws a container that never came up out of its teardown (KarafTestContainer.stop)
            // instead of reporting it: report it, so that the retry sees it
            n.fireTestFailure(new Failure(runner.getDescription(), e));
        }
        return r;
    }

    /** The events of one attempt, to be replayed to the real notifier. */
    private static final class Recording extends RunListener {
        private final List<Consumer<RunNotifier>> events = new ArrayList<>();
        private boolean testsStarted;
        /** Why the attempt may be retried, or null. */
        private String reason;

        @Override
        public void testStarted(Description d) {
            testsStarted = true;
            events.add(n -> n.fireTestStarted(d));
        }

        @Override
        public void testFinished(Description d) {
            events.add(n -> n.fireTestFinished(d));
        }

        @Override
        public void testFailure(Failure f) {
            for (String retriable : new String[] {BOOT_RACE, NEVER_CAME_UP}) {
                // A container that never came up ran no test, even when Pax Exam reported one as started.
                boolean beforeAnyTest = !testsStarted || retriable.equals(NEVER_CAME_UP);
                if (beforeAnyTest && (String.valueOf(rootMessage(f.getException())).contains(retriable)
                        || String.valueOf(f.getException()).contains(retriable))) {
                    reason = retriable;
                }
            }
            events.add(n -> n.fireTestFailure(f));
        }

        @Override
        public void testAssumptionFailure(Failure f) {
            events.add(n -> n.fireTestAssumptionFailed(f));
        }

        @Override
        public void testIgnored(Description d) {
            events.add(n -> n.fireTestIgnored(d));
        }

        boolean hitBootRace() {
            return reason != null;
        }

        void replay(RunNotifier notifier) {
            events.forEach(e -> e.accept(notifier));
        }

        private static String rootMessage(Throwable t) {
            StringBuilder all = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause()) all.append(c).append(" | ");
            return all.toString();
        }
    }
}
