package org.agentos.console.web.security;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import javax.security.auth.Subject;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;
import org.agentos.console.web.WebUser;
import org.apache.felix.webconsole.WebConsoleSecurityProvider;
import org.apache.felix.webconsole.WebConsoleSecurityProvider2;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's login, in place of Karaf's (ranked above it): the same JAAS realm, and one
 * more door. Karaf's provider admits the admin role only; this one also admits viewers, to the
 * Agents section alone ({@code /system/console/agents}, its JSON API, the console's own
 * stylesheets): a viewer reaches no other plugin, so cannot change a configuration or a bundle.
 * Administrators reach everything, as before. The web console asks on every request.
 */
@Component(service = {WebConsoleSecurityProvider.class, WebConsoleSecurityProvider2.class}, configurationPid = AgentsSecurityProvider.PID,
        property = "service.ranking:Integer=100")
@Designate(ocd = AgentsSecurityProvider.Config.class)
public class AgentsSecurityProvider implements WebConsoleSecurityProvider2 {
    static final String PID = "org.agentos.console.web";
    private static final Logger LOG = LoggerFactory.getLogger(AgentsSecurityProvider.class);
    private static final String ROLE_PRINCIPAL = "org.apache.karaf.jaas.boot.principal.RolePrincipal";
    private static final String SESSION_USER = WebUser.ATTRIBUTE;
    private static final String SESSION_CREDENTIALS = "org.agentos.console.web.credentials";

    @ObjectClassDefinition(name = "Agent OS web view", description = "Who logs in to the web console, and what a viewer sees")
    public @interface Config {
        @AttributeDefinition(description = "The JAAS realm users log in through")
        String realm() default "karaf";

        @AttributeDefinition(description = "The role that reaches the whole web console and acts in the Agents section")
        String adminRole() default "admin";

        @AttributeDefinition(description = "The role that sees the Agents section (and nothing else of the web console)")
        String viewerRole() default "viewer";

        @AttributeDefinition(description = "Where the web console is served")
        String consoleRoot() default "/system/console";
    }

    private volatile Config config;

    @Activate
    @Modified
    void activate(Config config) {
        this.config = config;
    }

    @Override
    public boolean authenticate(HttpServletRequest request, HttpServletResponse response) {
        Config c = config;
        String header = request.getHeader("Authorization");
        HttpSession session = request.getSession(false);
        WebUser user = null;
        if (session != null && session.getAttribute(SESSION_USER) instanceof WebUser known
                && (header == null || header.equals(session.getAttribute(SESSION_CREDENTIALS)))) {
            user = known; // logged in before: the session stands for the password, as in Karaf's provider
        } else if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            user = login(c, header.substring(6).trim());
            if (user != null) {
                HttpSession s = request.getSession(true);
                s.setAttribute(SESSION_USER, user);
                s.setAttribute(SESSION_CREDENTIALS, header);
            }
        }
        if (user == null) {
            challenge(response);
            return false;
        }
        if (!user.admin() && !viewerMayOpen(c, request)) {
            // a viewer outside the Agents section: refused, not asked again for a password
            try {
                response.sendError(HttpServletResponse.SC_FORBIDDEN, "the " + c.viewerRole() + " role sees the Agents section only ("
                        + c.consoleRoot() + "/agents)");
            } catch (java.io.IOException gone) {
                LOG.debug("client went away", gone);
            }
            return false;
        }
        request.setAttribute(WebUser.ATTRIBUTE, user);
        request.setAttribute(USER_ATTRIBUTE, user.name());
        request.setAttribute("org.osgi.service.http.authentication.remote.user", user.name());
        request.setAttribute("org.osgi.service.http.authentication.type", "BASIC");
        request.setAttribute("karaf.subject.runas", user.subject()); // Karaf's console runs the request as this subject
        return true;
    }

    /** The Agents section and what its page needs of the console's own resources. */
    static boolean viewerMayOpen(Config c, HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String root = c.consoleRoot();
        if (!path.startsWith(root + "/")) return false;
        String rest = path.substring(root.length());
        if (rest.contains("..") || rest.contains("//")) return false;
        return rest.equals("/agents") || rest.startsWith("/agents/") || rest.startsWith("/agents.")
                || rest.startsWith("/res/") || rest.equals("/logout");
    }

    private static void challenge(HttpServletResponse response) {
        response.setHeader("WWW-Authenticate", "Basic realm=\"karaf\"");
        try {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
        } catch (java.io.IOException gone) {
            LOG.debug("client went away", gone);
        }
    }

    /** A JAAS login from a Basic header's value; null when it fails or the user has neither role. */
    private WebUser login(Config c, String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException bad) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) return null;
        return login(c, decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    private static WebUser login(Config c, String name, String password) {
        Subject subject = new Subject();
        try {
            LoginContext context = new LoginContext(c.realm(), subject, callbacks -> {
                for (var cb : callbacks) {
                    if (cb instanceof NameCallback n) n.setName(name);
                    else if (cb instanceof PasswordCallback p) p.setPassword(password.toCharArray());
                    else throw new UnsupportedCallbackException(cb);
                }
            });
            context.login();
        } catch (LoginException failed) {
            LOG.debug("web console login of {} failed: {}", name, failed.getMessage());
            return null;
        }
        Set<String> roles = new HashSet<>();
        for (Principal p : subject.getPrincipals()) {
            if (p.getClass().getName().equals(ROLE_PRINCIPAL)) roles.add(p.getName());
        }
        boolean admin = roles.contains(c.adminRole());
        if (!admin && !roles.contains(c.viewerRole())) return null;
        return new WebUser(name, roles, subject, admin);
    }

    @Override
    public Object authenticate(String username, String password) {
        return login(config, username, password);
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user instanceof WebUser u && u.roles().contains(role);
    }
}
