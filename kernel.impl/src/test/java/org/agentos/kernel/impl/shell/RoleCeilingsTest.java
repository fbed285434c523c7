package org.agentos.kernel.impl.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoleCeilingsTest {
    private static final ConsoleUser ALICE = new ConsoleUser("alice", Set.of("manager", "viewer", "ssh"));

    /** The component as DS makes it from {@code properties}, with the Metatype defaults for what is missing. */
    private static RoleCeilings configured(Map<String, Object> properties) {
        RoleCeilings.Config defaults = (RoleCeilings.Config) Proxy.newProxyInstance(RoleCeilings.class.getClassLoader(),
                new Class<?>[] {RoleCeilings.Config.class}, (proxy, method, args) -> method.getDefaultValue());
        RoleCeilings ceilings = new RoleCeilings();
        ceilings.configure(defaults, properties);
        return ceilings;
    }

    private static String refusal(RoleCeilings ceilings, ConsoleUser user, String... wanted) {
        return assertThrows(IllegalArgumentException.class, () -> ceilings.check(user, List.of(wanted))).getMessage();
    }

    @Test
    void aManagerMayGrantWhatItsRoleAllowsUnderItsOwnName() {
        RoleCeilings ceilings = configured(Map.of());
        ceilings.check(ALICE, List.of("proc:*", "fs:*:/home/alice/**", "fs:read:/home/alice/notes", "ipc:send:alice.jobs"));
    }

    @Test
    void aCapabilityBeyondTheCeilingIsRefusedInOneLineNamingTheRoleAndTheCapability() {
        String message = refusal(configured(Map.of()), ALICE, "proc:spawn", "fs:*:/**");
        assertTrue(message.startsWith("EPERM: role manager may grant at most proc:*, fs:*:/home/alice/**"), message);
        assertTrue(message.endsWith("; 'fs:*:/**' is beyond that (etc/org.agentos.console.cfg)"), message);
        assertTrue(!message.contains("\n"), message);
    }

    @Test
    void anotherTenantsFilesAreBeyondAManagersCeiling() {
        assertTrue(refusal(configured(Map.of()), ALICE, "fs:write:/home/bob/x").contains("'fs:write:/home/bob/x'"));
    }

    @Test
    void administratorsHaveNoCeiling() {
        configured(Map.of()).check(new ConsoleUser("karaf", Set.of("admin", "manager")), List.of("**"));
    }

    @Test
    void aUserWhoseRolesHaveNoCeilingGrantsNothing() {
        String message = refusal(configured(Map.of()), new ConsoleUser("val", Set.of("viewer")), "proc:spawn");
        assertTrue(message.startsWith("EPERM: user val (no role with a ceiling) may grant no capability"), message);
    }

    @Test
    void aUsersOwnEntryAddsToItsRolesAndAFileEntryReplacesTheDefault() {
        Map<String, Object> file = new HashMap<>();
        file.put("role.manager", "proc:spawn, fs:read:/home/{user}/**");
        file.put("user.alice", new String[] {"tool:http.fetch:host=*.example.org"});
        file.put("felix.fileinstall.filename", "file:/etc/org.agentos.console.cfg");
        RoleCeilings ceilings = configured(file);
        assertEquals(List.of("proc:spawn", "fs:read:/home/alice/**", "tool:http.fetch:host=*.example.org"),
                ceilings.of(ALICE).patterns());
        assertEquals("role manager with user alice", ceilings.of(ALICE).holder());
        ceilings.check(ALICE, List.of("tool:http.fetch:host=api.example.org"));
        assertTrue(refusal(ceilings, ALICE, "fs:write:/home/alice/x").contains("'fs:write:/home/alice/x'"));
    }

    @Test
    void aUserNameThatWouldWidenAPatternGetsNoneOfTheEntriesNamingTheUser() {
        RoleCeilings ceilings = configured(Map.of());
        assertTrue(ceilings.of(new ConsoleUser("*", Set.of("manager"))).patterns().stream().noneMatch(p -> p.contains("*/")));
        assertTrue(refusal(ceilings, new ConsoleUser("*", Set.of("manager")), "fs:read:/home/bob/x").contains("EPERM"));
    }

    @Test
    void aBadPatternIsEinval() {
        assertTrue(refusal(configured(Map.of()), ALICE, "fs:read:/home/alice/a b").startsWith("EINVAL"));
    }
}
