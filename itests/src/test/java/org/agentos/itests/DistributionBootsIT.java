package org.agentos.itests;

import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** Smoke test: the assembly boots and the Agent OS bundles are active. */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DistributionBootsIT extends KarafTestSupport {

    @Test
    public void kernelApiAndHalAreActive() {
        assertBundleActive("org.agentos.kernel.api");
        assertBundleActive("org.agentos.hal.linux");
    }

    @Test
    public void bundleListShowsKernelApi() {
        String output = executeCommand("bundle:list -t 0");
        assertTrue(output, output.contains("Agent OS :: kernel.api"));
    }
}
