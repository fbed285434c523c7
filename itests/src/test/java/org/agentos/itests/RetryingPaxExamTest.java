package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.BlockJUnit4ClassRunner;
import org.junit.runners.model.InitializationError;

/** The retry covers Karaf's boot race once, and nothing else. Runs with the unit tests. */
class RetryingPaxExamTest {

    /** Fails its class setup with the boot race on the first attempt only. */
    public static class RacyOnce {
        static int attempts;

        @org.junit.BeforeClass
        public static void setUp() {
            if (attempts++ == 0) {
                throw new RuntimeException("Bundle cannot be installed",
                        new IllegalStateException(RetryingPaxExam.BOOT_RACE + ". Unresolved requirements: []"));
            }
        }

        @org.junit.Test
        public void works() {
        }
    }

    /** The container did not report in on the first attempt only. */
    public static class SilentOnce {
        static int attempts;

        @org.junit.BeforeClass
        public static void setUp() {
            if (attempts++ == 0) throw new RuntimeException(RetryingPaxExam.NEVER_CAME_UP);
        }

        @org.junit.Test
        public void works() {
        }
    }

    /** Reported as started, then the container never came up (Pax Exam fails the class as it stops it). */
    public static class SilentAfterStart {
        static int attempts;

        @org.junit.AfterClass
        public static void tearDown() {
            if (attempts++ == 0) throw new RuntimeException(RetryingPaxExam.NEVER_CAME_UP);
        }

        @org.junit.Test
        public void works() {
        }
    }

    /** Stands for a runner that throws "never came up" out of run() (Pax Exam does, from its teardown). */
    static final class Throwing extends Runner {
        static int attempts;
        private final Description d = Description.createSuiteDescription(Throwing.class);

        @Override
        public Description getDescription() {
            return d;
        }

        @Override
        public void run(RunNotifier notifier) {
            if (attempts++ == 0) throw new RuntimeException(RetryingPaxExam.NEVER_CAME_UP);
        }
    }

    /** Always fails for another reason. */
    public static class Broken {
        static int attempts;

        @org.junit.BeforeClass
        public static void setUp() {
            attempts++;
            throw new IllegalStateException("the container did not start");
        }

        @org.junit.Test
        public void works() {
        }
    }

    static final class Plain extends RetryingPaxExam {
        Plain(Class<?> c) throws InitializationError {
            super(c);
        }

        @Override
        protected Runner delegate(Class<?> testClass) throws InitializationError {
            return new BlockJUnit4ClassRunner(testClass);
        }
    }

    private static List<Failure> run(Class<?> c) throws Exception {
        List<Failure> failures = new ArrayList<>();
        RunNotifier n = new RunNotifier();
        n.addListener(new RunListener() {
            @Override
            public void testFailure(Failure f) {
                failures.add(f);
            }
        });
        new Plain(c).run(n);
        return failures;
    }

    @org.junit.jupiter.api.Test
    void aContainerThatNeverCameUpIsStartedOnceMore() throws Exception {
        assertTrue(run(SilentOnce.class).isEmpty());
        assertEquals(2, SilentOnce.attempts);
    }

    @org.junit.jupiter.api.Test
    void aContainerThatNeverCameUpIsRetriedEvenWhenATestWasReportedStarted() throws Exception {
        assertTrue(run(SilentAfterStart.class).isEmpty());
        assertEquals(2, SilentAfterStart.attempts);
    }

    @org.junit.jupiter.api.Test
    void theBootRaceIsRetriedOnceAndThenPasses() throws Exception {
        assertTrue(run(RacyOnce.class).isEmpty());
        assertEquals(2, RacyOnce.attempts);
    }

    @org.junit.jupiter.api.Test
    void aContainerThatNeverCameUpThrownOutOfTheRunnerIsStartedOnceMore() throws Exception {
        List<Failure> failures = new ArrayList<>();
        RunNotifier n = new RunNotifier();
        n.addListener(new RunListener() {
            @Override
            public void testFailure(Failure f) {
                failures.add(f);
            }
        });
        new RetryingPaxExam(Throwing.class) {
            @Override
            protected Runner delegate(Class<?> testClass) {
                return new Throwing();
            }
        }.run(n);
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(2, Throwing.attempts);
    }

    @org.junit.jupiter.api.Test
    void otherFailuresAreReportedWithoutRetry() throws Exception {
        List<Failure> failures = run(Broken.class);
        assertEquals(1, failures.size());
        assertEquals(1, Broken.attempts);
    }
}
