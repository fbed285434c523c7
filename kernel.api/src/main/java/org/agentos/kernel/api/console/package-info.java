/**
 * What every bundle's console commands share: a user error printed as one line with an errno ({@link CommandException}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.agentos.kernel.api.console;
