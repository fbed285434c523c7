package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Agents section of the web console in a real browser (Debian's chromium, headless): a
 * viewer sees their own processes and may not act, an administrator sees all, kills and swaps, and the process table pages
 * through 100,000 processes. Screenshots land in itests/target/web/ for people to look at.
 */
class WebViewIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target/web");
    private static UnpackedDistribution agentos;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver are not installed (scripts/ensure-chromium.sh)");
        agentos = UnpackedDistribution.unpack("web-it");
        // a viewer: sees the Agents section, nothing else of the web console
        Files.writeString(agentos.home.resolve("etc/users.properties"), "\nwatcher = watching,_g_:viewergroup\n", StandardOpenOption.APPEND);
        agentos.start();
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (agentos != null) agentos.stop();
    }

    static WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    String url(String user, String password, String path) {
        return "http://" + user + ":" + password + "@127.0.0.1:" + agentos.httpPort + "/system/console/" + path;
    }

    static WebDriverWait waiting(WebDriver b) {
        return new WebDriverWait(b, Duration.ofSeconds(30));
    }

    static void shot(WebDriver b, String name) throws Exception {
        Path png = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The rows of the process table now, once it has some, as text (read in one script: the table
     * is drawn again every two seconds, so elements found a moment ago may be gone).
     */
    @SuppressWarnings("unchecked")
    static List<String> rows(WebDriver b) {
        String script = "return Array.prototype.map.call(document.querySelectorAll('#agentos-processes tbody tr'),"
                + " function (r) { return r.getAttribute('data-pid') + ' ' + r.textContent; });";
        waiting(b).until(d -> !((List<String>) ((JavascriptExecutor) d).executeScript(script)).isEmpty());
        return (List<String>) ((JavascriptExecutor) b).executeScript(script);
    }

    /** Clicks what {@code selector} finds once it can: the table may be redrawn between finding and clicking. */
    static void click(WebDriver b, String selector) {
        waiting(b).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector(selector)).click();
            return true;
        });
    }

    /** A request from inside the page, with its session: status and body. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fetch(WebDriver b, String method, String path, boolean asThePage) {
        String script = "var done = arguments[arguments.length - 1];"
                + "fetch(location.origin + arguments[0], {method: arguments[1], credentials: 'same-origin', headers: arguments[2] ? {'X-Agentos-Request': 'agents'} : {}})"
                + ".then(function (r) { return r.text().then(function (t) { done({status: r.status, body: t}); }); })"
                + ".catch(function (e) { done({status: -1, body: String(e)}); });";
        return (Map<String, Object>) ((JavascriptExecutor) b).executeAsyncScript(script, path, method, asThePage);
    }

    long spawned(String out) {
        Matcher m = Pattern.compile("spawned pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void aViewerSeesTheirOwnProcessesAndMayNotAct() throws Exception {
        long pid = spawned(agentos.console("agent:spawn -o watcher counter '{\"limit\":0,\"sleepMs\":60000}'"));
        long other = spawned(agentos.console("agent:spawn -o lookedat counter '{\"limit\":0,\"sleepMs\":60000}'"));
        WebDriver b = browser();
        try {
            b.get(url("watcher", "watching", "agents"));
            waiting(b).until(d -> d.findElement(By.id("agentos-rows")).getText().endsWith("of 1"));
            List<String> mine = rows(b);
            assertEquals(1, mine.size(), "their own process, not the demo's nor another owner's: " + mine);
            assertTrue(mine.get(0).startsWith(pid + " "), mine.toString());
            assertTrue(b.findElement(By.id("agentos")).getText().contains("viewer: you may look"));
            shot(b, "viewer-processes");
            click(b, "#agentos-processes tbody tr a");
            waiting(b).until(d -> d.findElement(By.id("agentos-detail")).getText().contains("Process " + pid + " \u2014 counter of watcher"));
            WebElement kill = b.findElement(By.cssSelector("#agentos-detail button[data-action=kill]"));
            assertFalse(kill.isEnabled(), "a viewer's kill button is off");
            shot(b, "viewer-process");
            // another owner's processes, as at the console: not theirs to see
            WebElement owner = b.findElement(By.id("agentos-owner"));
            owner.clear();
            owner.sendKeys("lookedat");
            b.findElement(By.id("agentos-filter")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-message")).getText().contains("EPERM: the processes of lookedat are not yours"));
            Map<String, Object> theirs = fetch(b, "GET", "/system/console/agents/process.json?pid=" + other, false);
            assertEquals(403L, theirs.get("status"), theirs.toString());
            Map<String, Object> log = fetch(b, "GET", "/system/console/agents/audit.json", false);
            assertEquals(403L, log.get("status"), "the whole audit log is the administrators': " + log);
            // and the API refuses the act itself, audited
            Map<String, Object> refused = fetch(b, "POST", "/system/console/agents/process.json?pid=" + pid + "&action=kill", true);
            assertEquals(403L, refused.get("status"), refused.toString());
            assertTrue(refused.get("body").toString().contains("EPERM"), refused.toString());
            assertTrue(agentos.console("agent:info " + pid).contains("BLOCKED"), "still running");
            assertTrue(agentos.console("kernel:audit --name web.process -n 5").contains("EPERM"), "the refusal is audited");
            // the rest of the web console is the administrators'
            Map<String, Object> bundles = fetch(b, "GET", "/system/console/bundles", false);
            assertEquals(403L, bundles.get("status"), "a viewer sees the Agents section only");
        } finally {
            b.quit();
        }
    }

    @Test
    void anAdministratorKillsAProcessAndSwapsTheMemoryManagerAndTheScheduler() throws Exception {
        long pid = spawned(agentos.console("agent:spawn -o victim counter '{\"limit\":0,\"sleepMs\":60000}'"));
        WebDriver b = browser();
        try {
            b.get(url("karaf", "karaf", "agents"));
            assertTrue(rows(b).stream().anyMatch(r -> r.contains("demo-")), "the demo's processes");
            b.findElement(By.id("agentos-owner")).sendKeys("victim");
            b.findElement(By.id("agentos-filter")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-rows")).getText().endsWith("of 1"));
            click(b, "#agentos-processes tbody tr a");
            waiting(b).until(d -> d.findElement(By.id("agentos-detail")).getText().contains("Process " + pid));
            b.findElement(By.cssSelector("#agentos-detail button[data-action=kill]")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-message")).getText().contains("kill " + pid + ": done"));
            waiting(b).until(d -> d.findElement(By.id("agentos-detail")).getText().contains("KILLED"));
            shot(b, "admin-killed");
            assertTrue(agentos.console("agent:info " + pid).contains("KILLED"));
            assertTrue(agentos.console("kernel:audit --name web.kill -n 5").contains("by web console user karaf"), "audited with the user");

            b.findElement(By.id("agentos-tab-subsystems")).click();
            WebElement pick = waiting(b).until(d -> d.findElement(By.id("agentos-swap-memory")));
            new Select(pick).selectByValue("heap");
            b.findElement(By.id("agentos-swap-memory-go")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-message")).getText().contains("binding heap"));
            UnpackedDistribution.waitUntil("the memory manager swapped", () -> agentos.console("kernel:subsystems").matches("(?s).*memory\\s+heap.*"));
            waiting(b).until(d -> d.findElement(By.id("agentos-swaps")).getText().contains("heap"));
            agentos.console("kernel:swap memory auto");
            // the scheduler: fair (booted) to priority, installed at runtime, from the web
            agentos.console("kernel:swap scheduler fair");
            agentos.console("feature:install agentos-scheduler-priority");
            b.navigate().refresh();
            b.findElement(By.id("agentos-tab-subsystems")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-swap-scheduler")));
            waiting(b).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
                new Select(d.findElement(By.id("agentos-swap-scheduler"))).selectByValue("priority");
                return true;
            });
            b.findElement(By.id("agentos-swap-scheduler-go")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-message")).getText().contains("binding priority"));
            UnpackedDistribution.waitUntil("the scheduler swapped", () -> agentos.console("kernel:subsystems").matches("(?s).*scheduler\\s+priority.*"));
            waiting(b).until(d -> d.findElement(By.id("agentos-swaps")).getText().contains("priority"));
            shot(b, "admin-subsystems");
            assertTrue(agentos.console("kernel:audit --name web.swap -n 5").contains("scheduler: binding priority"), "the swap is audited");
            agentos.console("kernel:swap scheduler fair");

            b.findElement(By.id("agentos-tab-top")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-top-header")).getText().contains("workers"));
            waiting(b).until(d -> !d.findElements(By.cssSelector("#agentos-charts svg polyline")).isEmpty());
            shot(b, "admin-top");
            b.findElement(By.id("agentos-tab-audit")).click();
            b.findElement(By.id("agentos-audit-name")).sendKeys("web.");
            b.findElement(By.id("agentos-audit-go")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-audit")).getText().contains("web.kill"));
            shot(b, "admin-audit");
            b.findElement(By.id("agentos-tab-nodes")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-cluster")).getText().contains("not a cluster node"));
        } finally {
            b.quit();
        }
    }

    @Test
    void theTablePagesThroughAHundredThousandProcesses() throws Exception {
        for (int i = 0; i < 5; i++) {
            agentos.console("agent:spawn -o many" + i + " --count 20000 counter '{\"limit\":0,\"sleepMs\":600000}'");
        }
        WebDriver b = browser();
        try {
            b.get(url("karaf", "karaf", "agents"));
            rows(b);
            waiting(b).until(d -> {
                Matcher m = Pattern.compile("of ([\\d,]+)").matcher(d.findElement(By.id("agentos-rows")).getText());
                return m.find() && Long.parseLong(m.group(1).replace(",", "")) >= 100_000;
            });
            b.findElement(By.id("agentos-next")).click();
            waiting(b).until(d -> d.findElement(By.id("agentos-rows")).getText().startsWith("rows 51\u2013100 of"));
            b.findElement(By.id("agentos-last")).click();
            waiting(b).until(d -> {
                String t = d.findElement(By.id("agentos-rows")).getText();
                Matcher m = Pattern.compile("rows ([\\d,]+)\u2013([\\d,]+) of ([\\d,]+)").matcher(t);
                return m.find() && m.group(2).equals(m.group(3));
            });
            List<String> last = rows(b);
            String lastPid = last.get(last.size() - 1).split(" ")[0];
            b.findElement(By.id("agentos-prev")).click();
            waiting(b).until(d -> {
                List<String> now = rows(d);
                return !now.get(now.size() - 1).split(" ")[0].equals(lastPid);
            });
            shot(b, "admin-page-100k");
            // sorted by owner, highest first: many4's processes
            click(b, "#agentos-processes th[data-sort=owner]");
            waiting(b).until(d -> d.findElement(By.cssSelector("#agentos-processes th[data-sort=owner]")).getText().contains("\u25b2"));
            click(b, "#agentos-processes th[data-sort=owner]");
            waiting(b).until(d -> rows(d).get(0).contains("many4"));
            shot(b, "admin-sorted-by-owner");
        } finally {
            b.quit();
            for (int i = 0; i < 5; i++) agentos.console("agent:kill -o many" + i + " --force");
        }
    }
}
