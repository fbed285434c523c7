package org.agentos.console.web;

import java.util.Set;
import javax.security.auth.Subject;

/**
 * Who is looking: the user the web console logged in through Karaf's JAAS realm, and their
 * roles. Set on each request by {@link org.agentos.console.web.security.AgentsSecurityProvider}.
 */
public record WebUser(String name, Set<String> roles, Subject subject, boolean admin) {
    /** The request attribute that carries it. */
    public static final String ATTRIBUTE = "org.agentos.console.web.user";

    public WebUser {
        roles = Set.copyOf(roles);
    }
}
