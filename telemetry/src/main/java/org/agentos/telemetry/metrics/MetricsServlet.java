package org.agentos.telemetry.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.telemetry.KernelMetrics;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's metrics for Prometheus at {@code /metrics} on the distribution's HTTP service
 * (bound to localhost; etc/org.ops4j.pax.web.cfg): the Prometheus text format, or OpenMetrics
 * when the scraper asks for it. Read at each scrape, nothing kept in between.
 */
@RequiresPermission(KernelPermission.KERNEL_ADMIN)
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=agentos-metrics"})
public class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    @Reference
    transient KernelMetrics kernel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    transient volatile MessageQueues queues;

    /** The cluster's nodes, when agentos-cluster is installed. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    transient volatile Cluster cluster;

    private final transient ExpositionFormats formats = ExpositionFormats.init();

    /** Outside OSGi (benchmarks, embedding): the metrics of {@code kernel} and its {@code queues}. */
    public static MetricsServlet standalone(KernelMetrics kernel, MessageQueues queues) {
        MetricsServlet s = new MetricsServlet();
        s.kernel = kernel;
        s.queues = queues;
        return s;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        MetricSnapshots snapshots;
        try {
            snapshots = KernelSnapshots.of(kernel, queues, cluster);
        } catch (RuntimeException e) {
            // the kernel restarting for new settings: say so, the next scrape gets figures
            LOG.debug("metrics scrape failed", e);
            resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the kernel is not running: " + e.getMessage());
            return;
        }
        ExpositionFormatWriter writer = formats.findWriter(req.getHeader("Accept"));
        if (!writer.isAvailable()) writer = formats.getPrometheusTextFormatWriter(); // protobuf needs a module not installed
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        writer.write(body, snapshots);
        resp.setContentType(writer.getContentType());
        resp.setContentLength(body.size());
        body.writeTo(resp.getOutputStream());
    }
}
