package org.agentos.console.web.api;

/**
 * Who asks the API, for what they may see: an administrator sees every owner's processes,
 * queues, spaces and audit records; anyone else only their own (their user name is the owner),
 * as at the console.
 */
public record Caller(String user, boolean admin) {
    public boolean sees(String owner) {
        return admin || user.equals(owner);
    }

    ApiException notYours(String what) {
        return new ApiException(403, "EPERM", what + " not yours; only administrators see other owners'");
    }
}
