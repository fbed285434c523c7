package org.agentos.itests;

import static org.junit.Assert.assertNotNull;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.when;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.karaf.shell.api.console.Session;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Base class of the integration tests: boots the Agent OS distribution zip in Karaf with Pax Exam.
 *
 * <p>Subclasses are JUnit 4 classes annotated with {@code @RunWith(RetryingPaxExam.class)} and
 * {@code @ExamReactorStrategy(PerClass.class)} (one Karaf per test class; a boot costs seconds).
 * They run inside the framework, as the test probe bundle: they see the packages the runtime
 * exports (kernel.api, the Karaf shell API, the OSGi framework), not implementation classes.
 * Extra Pax Exam options go in {@link #additionalOptions()}.
 */
public abstract class KarafTestSupport {

    /** Default bound for {@link #executeCommand(String)} and {@link #assertBundleActive(String)}. */
    protected static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected SessionFactory sessionFactory;

    // ---------------------------------------------------------------------------------------------
    // Configuration (runs in the test JVM, once per test class)
    // ---------------------------------------------------------------------------------------------

    @Configuration
    public Option[] config() {
        int[] ports = freePorts(4);
        // the local repository Maven uses (failsafe passes it), so that Karaf resolves the Pax Exam
        // bundles and features from the same place
        String localRepository = System.getProperty("org.ops4j.pax.url.mvn.localRepository");
        Option[] base = options(
                karafDistributionConfiguration()
                        .frameworkUrl(distributionUrl())
                        .name("Agent OS")
                        .unpackDirectory(new File("target/exam"))
                        .useDeployFolder(false),
                // no keepRuntimeFolder(): each class's unpacked runtime is deleted after it ran
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.WARN),
                // free ports, so that a running Agent OS (8101/1099/44444) and other forks never collide
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(ports[0])),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort",
                        Integer.toString(ports[1])),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort",
                        Integer.toString(ports[2])),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", Integer.toString(ports[3])),
                // the demo workload stays idle in tests
                editConfigurationFilePut("etc/org.agentos.demo.cfg", "processes", "0"),
                // the test probe drives the kernel through its privileged services, as an operator's tool would
                editConfigurationFilePut("etc/org.agentos.permissions.cfg", "PAXEXAM-PROBE-*", PROBE_PERMISSIONS),
                // never look for newer SNAPSHOTs of the features while testing
                editConfigurationFilePut("etc/org.apache.karaf.features.cfg", "updateSnapshots", "none"),
                when(localRepository != null && !localRepository.isEmpty()).useOptions(
                        editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                                "org.ops4j.pax.url.mvn.localRepository", String.valueOf(localRepository))));
        return Stream.concat(Arrays.stream(base), Arrays.stream(additionalOptions())).toArray(Option[]::new);
    }

    /**
     * The zip this build made (failsafe passes its path), so that {@code mvn verify} on a fresh
     * clone tests the assembly it just built, never an older one installed in the local repository.
     */
    static String distributionUrl() {
        String zip = System.getProperty("agentos.distribution.zip");
        if (zip != null && new File(zip).isFile()) {
            return new File(zip).toURI().toString();
        }
        return maven().groupId("org.agentos").artifactId("distribution").type("zip").versionAsInProject().getURL();
    }

    /** The kernel permissions the probe asks for (in its manifest) and is granted (in etc/). */
    static final String PROBE_PERMISSIONS = "kernel.admin, syscall.gateway, fs.admin, tool.provide";

    /**
     * The probe asks for its kernel permissions the way any bundle does: a Require-Capability in
     * the agentos.permission namespace, which the framework's resolver ignores.
     */
    @ProbeBuilder
    public TestProbeBuilder probeConfiguration(TestProbeBuilder probe) {
        probe.setHeader("Require-Capability", "agentos.permission;agentos.permission:List<String>=\""
                + PROBE_PERMISSIONS.replace(" ", "") + "\";effective:=active");
        return probe;
    }

    /** Options a test class adds to {@link #config()}; none by default. */
    protected Option[] additionalOptions() {
        return new Option[0];
    }

    /** Distinct free TCP ports below the ephemeral range ({@link UnpackedDistribution#freePorts}). */
    protected static int[] freePorts(int count) {
        try {
            return UnpackedDistribution.freePorts(count);
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port", e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers (run inside Karaf)
    // ---------------------------------------------------------------------------------------------

    /** {@link #executeCommand(String, Duration)} with {@link #DEFAULT_TIMEOUT}. */
    protected String executeCommand(String command) {
        return executeCommand(command, DEFAULT_TIMEOUT);
    }

    /**
     * Runs a Karaf console command line in a new shell session and returns what it printed (its
     * standard output and error, then its result, if any). Waits first (bounded) for the command to
     * be registered, as commands are services that appear asynchronously.
     *
     * @throws AssertionError if the command is not registered in time, fails (for example
     *         "Command not found"), or does not finish within {@code timeout}; the message
     *         includes the output so far
     */
    protected String executeCommand(String command, Duration timeout) {
        return executeCommandAs(operator(), command, timeout);
    }

    /** As {@link #executeCommand(String)}, run as {@code subject} (its user and role principals), e.g. {@link #user}. */
    protected String executeCommandAs(javax.security.auth.Subject subject, String command) {
        return executeCommandAs(subject, command, DEFAULT_TIMEOUT);
    }

    private String executeCommandAs(javax.security.auth.Subject subject, String command, Duration timeout) {
        waitForCommand(command, timeout);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "itest-command");
            thread.setDaemon(true);
            return thread;
        });
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            // As the operator logged in through bin/agentos-console (user karaf, admin group), so that
            // Karaf's command ACLs show admin commands such as feature:install.
            Future<Object> result = executor.submit(() -> javax.security.auth.Subject.doAs(subject,
                    (java.security.PrivilegedExceptionAction<Object>) () -> session.execute(command)));
            Object value = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (value != null) {
                out.println(value);
            }
            out.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // no cause attached: the test driver (outside Karaf) cannot load a bundle's exception class,
            // and a failure it cannot deserialize would hide this message
            throw new AssertionError("command '" + command + "' failed: " + cause + output(bytes));
        } catch (TimeoutException e) {
            throw new AssertionError("command '" + command + "' did not finish within " + timeout + output(bytes));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running '" + command + "'", e);
        } finally {
            executor.shutdownNow();
            session.close();
        }
    }

    /**
     * Asserts that {@code who} may not run {@code command}, with a message containing {@code why};
     * returns that message.
     */
    protected String refused(javax.security.auth.Subject who, String command, String why) {
        try {
            String out = executeCommandAs(who, command);
            throw new IllegalStateException("'" + command + "' was not refused:\n" + out);
        } catch (AssertionError expected) {
            org.junit.Assert.assertTrue(expected.getMessage(), expected.getMessage().contains(why));
            return expected.getMessage();
        }
    }

    /** A console user {@code name} with only the given roles (e.g. viewer), as Karaf's JAAS login would give. */
    protected static javax.security.auth.Subject user(String name, String... roles) {
        javax.security.auth.Subject subject = new javax.security.auth.Subject();
        subject.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.UserPrincipal(name));
        for (String role : roles) {
            subject.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.RolePrincipal(role));
        }
        return subject;
    }

    private static final java.util.regex.Pattern SPAWNED = java.util.regex.Pattern.compile("spawned pid (\\d+)");

    /** Runs an {@code agent:spawn ...} command line and returns the pid it printed. */
    protected long spawn(String commandLine) {
        String out = executeCommand(commandLine);
        java.util.regex.Matcher m = SPAWNED.matcher(out);
        if (!m.find()) throw new AssertionError("no pid in the output of '" + commandLine + "':\n" + out);
        return Long.parseLong(m.group(1));
    }

    /** The karaf user with the roles of the distribution's admingroup. */
    protected static javax.security.auth.Subject operator() {
        javax.security.auth.Subject subject = new javax.security.auth.Subject();
        subject.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.UserPrincipal("karaf"));
        for (String role : new String[] {"admin", "manager", "viewer", "systembundles", "ssh"}) {
            subject.getPrincipals().add(new org.apache.karaf.jaas.boot.principal.RolePrincipal(role));
        }
        return subject;
    }

    private static String output(ByteArrayOutputStream bytes) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? "" : "; output:\n" + text;
    }

    private void waitForCommand(String commandLine, Duration timeout) {
        String first = commandLine.trim().split("\\s+", 2)[0];
        int colon = first.indexOf(':');
        String scope = colon > 0 ? first.substring(0, colon) : "*";
        String name = colon > 0 ? first.substring(colon + 1) : first;
        waitFor(() -> sessionFactory.getRegistry().getCommand(scope, name) != null, timeout,
                "command " + scope + ":" + name + " to be registered");
    }

    /** Asserts (waiting up to {@link #DEFAULT_TIMEOUT}) that the bundle is installed and ACTIVE. */
    protected void assertBundleActive(String symbolicName) {
        waitFor(() -> bundle(symbolicName) != null, DEFAULT_TIMEOUT, "bundle " + symbolicName + " to be installed");
        Bundle bundle = bundle(symbolicName);
        assertNotNull(symbolicName, bundle);
        waitFor(() -> bundle.getState() == Bundle.ACTIVE, DEFAULT_TIMEOUT,
                () -> "bundle " + symbolicName + " to be ACTIVE (state: " + stateName(bundle.getState()) + ")");
    }

    /** The installed bundle with this symbolic name, or null. */
    protected Bundle bundle(String symbolicName) {
        for (Bundle bundle : bundleContext.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return null;
    }

    /**
     * Polls {@code condition} until it holds; fails with {@code message} after {@code timeout}.
     * No fixed sleeps: it parks for short intervals, never past the deadline.
     */
    protected static void waitFor(BooleanSupplier condition, Duration timeout, String message) {
        waitFor(condition, timeout, () -> message);
    }

    private static void waitFor(BooleanSupplier condition, Duration timeout,
                                java.util.function.Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + message.get());
            }
            LockSupport.parkNanos(Math.min(left, POLL_INTERVAL.toNanos()));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + message.get());
            }
        }
    }

    private static String stateName(int state) {
        switch (state) {
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return Integer.toString(state);
        }
    }
}
