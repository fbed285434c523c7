package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import javax.security.auth.Subject;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The console's roles in the real distribution, as users of the three roles Karaf ships: a
 * viewer looks; a manager runs agents as itself within its role's capability ceiling
 * (etc/org.agentos.console.cfg), and cannot stop, refresh or uninstall Agent OS bundles or
 * change org.agentos.* configuration; an administrator may do all of it.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConsoleRolesIT extends KarafTestSupport {
    private static final Subject VIEWER = user("val", "viewer", "ssh");
    private static final Subject MANAGER = user("alice", "manager", "viewer", "ssh");
    private static final java.util.regex.Pattern SPAWNED = java.util.regex.Pattern.compile("spawned pid (\\d+)");

    @Inject
    protected ProcessManager processes;

    private long spawnAs(Subject who, String command) {
        String out = executeCommandAs(who, command);
        java.util.regex.Matcher m = SPAWNED.matcher(out);
        assertTrue(out, m.find());
        return Long.parseLong(m.group(1));
    }

    private ExitStatus exitOf(long pid) throws Exception {
        return processes.awaitExit(pid).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    public void aManagerSpawnsAsItselfAndNeverAsAnotherOwner() throws Exception {
        long pid = spawnAs(MANAGER, "agent:spawn counter '{\"sleepMs\":100}'");
        assertEquals("alice", processes.info(pid).orElseThrow().owner());
        refused(MANAGER, "agent:spawn -o bob counter", "EPERM: user alice acts only as owner alice, not 'bob'");
        refused(MANAGER, "ipc:create -o bob jobs", "EPERM: user alice acts only as owner alice");
        assertTrue(executeCommandAs(MANAGER, "agent:pause " + pid).contains("paused " + pid));
        assertTrue(executeCommandAs(MANAGER, "agent:kill " + pid).contains("killed " + pid));
    }

    @Test
    public void aManagerGivesAProcessAtMostItsRolesCeiling() throws Exception {
        refused(MANAGER, "agent:spawn -c 'fs:*:/**' scribe '{\"path\":\"/home/bob/x\",\"entries\":1}'",
                "EPERM: role manager may grant at most proc:*, fs:*:/home/alice/**");
        refused(MANAGER, "agent:spawn -c 'fs:write:/home/bob/**' scribe '{\"path\":\"/home/bob/x\",\"entries\":1}'",
                "'fs:write:/home/bob/**' is beyond that (etc/org.agentos.console.cfg)");
        refused(MANAGER, "agent:spawn --class realtime counter", "EPERM: only administrators may spawn in the realtime class");
        refused(MANAGER, "agent:spawn -n -5 counter", "EPERM: only administrators may spawn with a negative nice");
        long pid = spawnAs(MANAGER, "agent:spawn -c 'fs:*:/home/alice/**' scribe '{\"path\":\"/home/alice/roles.txt\",\"entries\":2}'");
        ExitStatus s = exitOf(pid);
        assertEquals(s.reason(), 0, s.code());
        assertEquals("entry 1\nentry 2\n", executeCommand("vfs:cat /home/alice/roles.txt"));
    }

    @Test
    public void anAdministratorSpawnsForAnyOwnerWithAnyCapability() throws Exception {
        long pid = spawn("agent:spawn -o bob -c 'fs:*:/**' scribe '{\"path\":\"/home/bob/admin.txt\",\"entries\":1}'");
        ExitStatus s = exitOf(pid);
        assertEquals(s.reason(), 0, s.code());
        assertEquals("bob", processes.info(pid).orElseThrow().owner());
        long root = spawn("agent:spawn counter '{\"limit\":1}'");
        assertEquals("root", processes.info(root).orElseThrow().owner());
    }

    @Test
    public void aViewerLooksButDoesNotSpawnOrKill() {
        long pid = spawn("agent:spawn -o val counter '{\"sleepMs\":100}'");
        assertTrue(executeCommandAs(VIEWER, "agent:ps -o val").contains("counter"));
        assertTrue(executeCommandAs(VIEWER, "tool:list").contains("json.query"));
        refused(VIEWER, "agent:spawn counter", "agent:spawn");
        refused(VIEWER, "agent:pause " + pid, "agent:pause");
        refused(VIEWER, "bundle:stop org.agentos.kernel.impl", "bundle:stop");
        executeCommand("agent:kill " + pid);
    }

    @Test
    public void onlyAdministratorsStopRefreshOrUninstallAgentOsBundles() {
        java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.osgi.framework.BundleListener listener = e -> {
            String name = e.getBundle().getSymbolicName();
            if (name != null && name.startsWith("org.agentos.")) events.add(name + " " + e.getType());
        };
        bundleContext.addBundleListener(listener);
        try {
            for (String name : new String[] {"org.agentos.kernel.impl", "org.agentos.memory.hierarchical", "org.agentos.vfs.versioned"}) {
                long id = bundle(name).getBundleId();
                // Karaf hides bundles below karaf.systemBundlesStartLevel from users without the systembundles role
                for (String command : new String[] {"bundle:stop " + id, "bundle:stop " + name, "bundle:uninstall " + id,
                        "bundle:update " + id, "bundle:start-level " + id + " 80"}) {
                    refused(MANAGER, command, "match");
                }
                // these say so and do nothing; a refresh refreshes only what is pending (nothing here), as in Karaf
                assertTrue(executeCommandAs(MANAGER, "bundle:restart " + id).contains("No bundles specified"));
                executeCommandAs(MANAGER, "bundle:refresh " + id);
                assertEquals(name, Bundle.ACTIVE, bundle(name).getState());
            }
        } finally {
            bundleContext.removeBundleListener(listener);
        }
        assertEquals("bundle events of Agent OS bundles", java.util.List.of(), events);
        assertFalse("a manager does not see them", executeCommandAs(MANAGER, "bundle:list -t 0").contains("Agent OS"));
        String kernel = Long.toString(bundle("org.agentos.kernel.impl").getBundleId());
        assertTrue(executeCommand("bundle:start-level " + kernel).contains("Level 48"));
        refused(MANAGER, "kernel:swap scheduler auto", "kernel:swap");
        refused(MANAGER, "perm:revoke org.agentos.tools.syscalls tool.provide", "perm:revoke");
        refused(MANAGER, "scr:disable org.agentos.kernel.impl.KernelComponent", "scr:disable");
    }

    @Test
    public void onlyAdministratorsChangeAgentOsConfiguration() {
        refused(MANAGER, "config:property-set -p org.agentos.kernel Scheduler.target '(agentos.subsystem.name=priority)'",
                "Insufficient credentials");
        refused(MANAGER, "config:edit org.agentos.kernel", "Insufficient credentials");
        refused(MANAGER, "config:property-delete -p org.agentos.permissions org.agentos.tools.syscalls", "Insufficient credentials");
        refused(MANAGER, "config:property-append -p org.agentos.console role.manager ',fs:*:/**'", "Insufficient credentials");
        refused(MANAGER, "config:install file:/dev/null org.agentos.kernel.cfg", "config:install");
        assertFalse(executeCommand("config:property-list -p org.agentos.kernel").contains("Scheduler.target"));
        // other configuration stays a manager's, as in Karaf
        executeCommandAs(MANAGER, "config:property-set -p org.example.roles answer 42");
        assertTrue(executeCommand("config:property-list -p org.example.roles").contains("answer = 42"));
        executeCommand("config:property-set -p org.agentos.kernel llmConcurrency 4");
        assertTrue(executeCommand("config:property-list -p org.agentos.kernel").contains("llmConcurrency = 4"));
    }

    /** A manager who can log in over JMX (JMX logs in with a password), beside the subjects the console tests use. */
    @Override
    protected org.ops4j.pax.exam.Option[] additionalOptions() {
        return new org.ops4j.pax.exam.Option[] {org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut(
                "etc/users.properties", "jmxalice", "secret,_g_:managergroup")};
    }

    @Test
    public void aManagerCannotChangeAgentOsConfigurationThroughJmx() throws Exception {
        java.util.Properties management = new java.util.Properties();
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                java.nio.file.Path.of(System.getProperty("karaf.etc"), "org.apache.karaf.management.cfg"))) {
            management.load(in);
        }
        javax.management.remote.JMXServiceURL url = new javax.management.remote.JMXServiceURL("service:jmx:rmi://127.0.0.1:"
                + management.getProperty("rmiServerPort").trim() + "/jndi/rmi://127.0.0.1:"
                + management.getProperty("rmiRegistryPort").trim() + "/karaf-" + System.getProperty("karaf.name"));
        java.util.Map<String, Object> login = java.util.Map.of(javax.management.remote.JMXConnector.CREDENTIALS,
                new String[] {"jmxalice", "secret"});
        try (javax.management.remote.JMXConnector connector = javax.management.remote.JMXConnectorFactory.connect(url, login)) {
            javax.management.MBeanServerConnection jmx = connector.getMBeanServerConnection();
            javax.management.ObjectName config = jmx.queryNames(
                    new javax.management.ObjectName("org.apache.karaf:type=config,*"), null).iterator().next();
            String[] signature = {String.class.getName(), String.class.getName(), String.class.getName()};
            try {
                jmx.invoke(config, "setProperty", new Object[] {"org.agentos.jmxtest", "answer", "42"}, signature);
                throw new IllegalStateException("a manager changed org.agentos.* configuration through JMX");
            } catch (SecurityException expected) {
                // Karaf's JMX guard: etc/jmx.acl.org.apache.karaf.config.cfg gives org.agentos.* to admin only
            }
            jmx.invoke(config, "setProperty", new Object[] {"org.example.jmxtest", "answer", "42"}, signature);
        }
        assertFalse(executeCommand("config:list '(service.pid=org.agentos.jmxtest)'").contains("answer"));
        assertTrue(executeCommand("config:property-list -p org.example.jmxtest").contains("answer = 42"));
    }
}
