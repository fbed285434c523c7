/**
 * The OCI image layout on disk (image-spec 1.1): blobs by digest, manifests, tags in the index,
 * every blob checked against its descriptor when read. Private to the bundle.
 */
package org.agentos.image.oci.layout;
