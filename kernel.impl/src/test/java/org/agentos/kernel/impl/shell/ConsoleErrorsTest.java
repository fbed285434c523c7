package org.agentos.kernel.impl.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/** A user error must read to Karaf's shell as a user error: one line, logged at DEBUG, no trace. */
class ConsoleErrorsTest {

    @Test
    void aUserErrorCarriesTheNameKarafTreatsAsAUserError() {
        RuntimeException e = ConsoleErrors.of("ESRCH", "no process 42");
        // Karaf 4.4 ShellUtil.logException: "CommandException".equals(t.getClass().getSimpleName())
        assertEquals("CommandException", e.getClass().getSimpleName());
        assertEquals("ESRCH: no process 42", e.getMessage());
        assertEquals(0, e.getStackTrace().length);
    }

    @Test
    void karafCanReadItsConsoleLineByReflectionFromAnotherBundle() throws Exception {
        RuntimeException e = ConsoleErrors.of("EPERM", "not yours");
        // as ShellUtil does it: getMethod on the runtime class, invoked from outside this package
        Method niceHelp = e.getClass().getMethod("getNiceHelp");
        String line = (String) niceHelp.invoke(e);
        assertEquals("Error executing command: EPERM: not yours", line.replaceAll("\u001B\\[[0-9;]*m", ""));
    }
}
