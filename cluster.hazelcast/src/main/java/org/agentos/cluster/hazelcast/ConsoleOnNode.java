package org.agentos.cluster.hazelcast;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.Subject;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;

/**
 * A console command another node asked for, run here as its operator: in a session of this
 * node's Karaf shell, under a JAAS subject with the operator's name and roles, so this node's
 * command ACLs and the command's own checks (owner, capability ceiling) decide, as if the
 * operator had logged in here. The command line is built here from the request's fields; their
 * values reach the command as session variables, never as shell text.
 */
final class ConsoleOnNode {
    private static final Pattern ERRNO = Pattern.compile("\\b(E[A-Z]{3,11}): (.*)", Pattern.DOTALL);

    private ConsoleOnNode() {}

    /**
     * A command line and the values it names: each value the operator gave is a session
     * variable ({@code $agentos_0}, ...), expanded by the shell as one word whatever it holds
     * (quotes, {@code $}, backslashes), so nothing from the request is parsed as shell text.
     */
    record Line(String text, Map<String, Object> values) {}

    static Line spawnLine(SpawnOrder o) {
        StringBuilder line = new StringBuilder("agent:spawn");
        Map<String, Object> values = new LinkedHashMap<>();
        if (o.owner() != null) line.append(" -o ").append(value(values, o.owner()));
        if (o.nice() != 0) line.append(" -n ").append(o.nice());
        if (o.schedClass() != null) line.append(" --class ").append(value(values, o.schedClass()));
        if (o.caps() != null) for (String c : o.caps()) line.append(" -c ").append(value(values, c));
        if (o.cpuMs() > 0) line.append(" --cpu-ms ").append(o.cpuMs());
        if (o.wallMs() > 0) line.append(" --wall-ms ").append(o.wallMs());
        if (o.maxSyscalls() > 0) line.append(" --max-syscalls ").append(o.maxSyscalls());
        if (o.maxTokens() > 0) line.append(" --max-tokens ").append(o.maxTokens());
        if (o.maxBytes() > 0) line.append(" --max-bytes ").append(o.maxBytes());
        if (o.count() != 1) line.append(" --count ").append(o.count());
        line.append(' ').append(value(values, o.program()));
        if (o.args() != null) line.append(' ').append(value(values, o.args()));
        return new Line(line.toString(), values);
    }

    private static String value(Map<String, Object> values, String v) {
        String name = "agentos_" + values.size();
        values.put(name, v);
        return "$" + name;
    }

    /** Runs {@code line} in a new session as {@code operator}; what it printed, or its error as a SyscallException. */
    static String run(SessionFactory sessions, ConsoleOperator operator, Line line) throws SyscallException {
        if (sessions == null) throw new SyscallException(Errno.EIO, "this node's console is not running");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(operator.name()));
        for (String role : operator.roles()) subject.getPrincipals().add(new RolePrincipal(role));
        Session session = sessions.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            line.values().forEach(session::put);
            Subject.doAs(subject, (PrivilegedExceptionAction<Object>) () -> session.execute(line.text()));
        } catch (PrivilegedActionException e) {
            throw failure(e.getException());
        } catch (RuntimeException e) {
            throw failure(e);
        } finally {
            session.close();
        }
        out.flush();
        return printed.toString(StandardCharsets.UTF_8).strip();
    }

    /** A command's failure with its errno when its message starts with one (the console's own form). */
    static SyscallException failure(Throwable e) {
        String message = String.valueOf(e.getMessage());
        Matcher m = ERRNO.matcher(message);
        if (m.find()) {
            try {
                return new SyscallException(Errno.valueOf(m.group(1)), m.group(2).strip());
            } catch (IllegalArgumentException notOurs) {
                // fall through
            }
        }
        if (e instanceof SecurityException || message.toLowerCase(Locale.ROOT).contains("insufficient credentials")) {
            return new SyscallException(Errno.EPERM, message);
        }
        return new SyscallException(Errno.EIO, message);
    }
}
