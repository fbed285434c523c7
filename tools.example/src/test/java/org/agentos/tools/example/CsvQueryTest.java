package org.agentos.tools.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

class CsvQueryTest {
    private static final ObjectMapper LENIENT = new ObjectMapper().enable(JsonParser.Feature.ALLOW_SINGLE_QUOTES);
    private static final String PEOPLE = """
            name,city,age,score
            alice,Paris,30,9.5
            bob,Berlin,25,10
            carol,Paris,35,7
            dave,Tokyo,9,10.0
            """;

    private final CsvQuery tool = new CsvQuery();

    /** Queries {@code csv} with the other arguments written as JSON with single quotes. */
    private JsonNode query(String csv, String args) throws SyscallException {
        try {
            ObjectNode a = (ObjectNode) LENIENT.readTree(args);
            a.put("csv", csv);
            return tool.call(Caller.ANY, a);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(args, e);
        }
    }

    private JsonNode people(String args) throws SyscallException {
        return query(PEOPLE, args);
    }

    /** The values of one column of the result, joined by spaces. */
    private static String column(JsonNode result, int i) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode row : result.path("rows")) sb.append(sb.length() == 0 ? "" : " ").append(row.get(i).asText());
        return sb.toString();
    }

    private static String names(JsonNode result) {
        return column(result, 0);
    }

    private SyscallException refused(String csv, String args) {
        SyscallException e = assertThrows(SyscallException.class, () -> query(csv, args));
        assertEquals(Errno.EINVAL, e.errno());
        return e;
    }

    @Test
    void selectReturnsOnlyTheNamedColumnsInThatOrder() throws Exception {
        JsonNode r = people("{'select':['age','name']}");
        assertEquals("[\"age\",\"name\"]", r.path("columns").toString());
        assertEquals("[\"30\",\"alice\"]", r.path("rows").get(0).toString());
    }

    @Test
    void withoutSelectEveryColumnComesBackAsWrittenInTheCsv() throws Exception {
        JsonNode r = people("{}");
        assertEquals("[\"name\",\"city\",\"age\",\"score\"]", r.path("columns").toString());
        assertEquals("[\"dave\",\"Tokyo\",\"9\",\"10.0\"]", r.path("rows").get(3).toString());
    }

    @Test
    void whereEqualsKeepsEqualRows() throws Exception {
        assertEquals("alice carol", names(people("{'where':[{'column':'city','op':'=','value':'Paris'}]}")));
    }

    @Test
    void whereNotEqualsKeepsOtherRows() throws Exception {
        assertEquals("bob dave", names(people("{'where':[{'column':'city','op':'!=','value':'Paris'}]}")));
    }

    @Test
    void whereLessThanKeepsSmallerValues() throws Exception {
        assertEquals("bob dave", names(people("{'where':[{'column':'age','op':'<','value':30}]}")));
    }

    @Test
    void whereLessOrEqualKeepsTheBoundToo() throws Exception {
        assertEquals("alice bob dave", names(people("{'where':[{'column':'age','op':'<=','value':30}]}")));
    }

    @Test
    void whereGreaterThanKeepsLargerValues() throws Exception {
        assertEquals("carol", names(people("{'where':[{'column':'age','op':'>','value':30}]}")));
    }

    @Test
    void whereGreaterOrEqualKeepsTheBoundToo() throws Exception {
        assertEquals("alice carol", names(people("{'where':[{'column':'age','op':'>=','value':'30'}]}")));
    }

    @Test
    void whereContainsMatchesASubstringCaseSensitively() throws Exception {
        assertEquals("bob", names(people("{'where':[{'column':'city','op':'contains','value':'er'}]}")));
        assertEquals("", names(people("{'where':[{'column':'city','op':'contains','value':'ER'}]}")));
    }

    @Test
    void whereStartsWithMatchesAPrefix() throws Exception {
        assertEquals("carol", names(people("{'where':[{'column':'name','op':'startsWith','value':'ca'}]}")));
    }

    @Test
    void whereConditionsMustAllHold() throws Exception {
        assertEquals("carol", names(people("{'where':[{'column':'city','op':'=','value':'Paris'},"
                + "{'column':'age','op':'>','value':30}]}")));
    }

    @Test
    void numbersCompareByValueNotAsText() throws Exception {
        // As text, "9" < "10" is false; as numbers it is true.
        assertEquals("dave", names(people("{'where':[{'column':'age','op':'<','value':'10'}]}")));
    }

    @Test
    void equalNumbersMatchWhateverTheirSpelling() throws Exception {
        assertEquals("bob dave", names(people("{'where':[{'column':'score','op':'=','value':10}]}")));
    }

    @Test
    void valuesCompareAsTextWhenEitherSideIsNotANumber() throws Exception {
        assertEquals("alice bob", names(people("{'where':[{'column':'name','op':'<','value':'bz'}]}")));
        // "10" is a number but "x10" is not: text order, in which "x10" > "9".
        JsonNode r = query("v\nx10\n8\n", "{'where':[{'column':'v','op':'>','value':'9'}]}");
        assertEquals("x10", names(r));
    }

    @Test
    void orderByNumbersSortsByValue() throws Exception {
        assertEquals("dave bob alice carol", names(people("{'orderBy':{'column':'age'}}")));
    }

    @Test
    void orderByDescendingReversesButKeepsTiesInCsvOrder() throws Exception {
        assertEquals("bob dave alice carol", names(people("{'orderBy':{'column':'score','descending':true}}")));
    }

    @Test
    void orderByTextSortsAlphabeticallyAndKeepsTiesInCsvOrder() throws Exception {
        assertEquals("bob alice carol dave", names(people("{'orderBy':{'column':'city'}}")));
    }

    @Test
    void orderByMixedColumnPutsNumbersBeforeText() throws Exception {
        assertEquals("9 10 a b", names(query("v\nb\n10\na\n9\n", "{'orderBy':{'column':'v'}}")));
    }

    @Test
    void limitCutsTheRowsAndReportsHowManyMatched() throws Exception {
        JsonNode r = people("{'limit':2}");
        assertEquals(2, r.path("rows").size());
        assertEquals(4, r.path("matched").asInt());
        assertTrue(r.path("truncated").asBoolean());
    }

    @Test
    void resultWithinTheLimitIsNotTruncated() throws Exception {
        JsonNode r = people("{'where':[{'column':'city','op':'=','value':'Paris'}]}");
        assertEquals(2, r.path("matched").asInt());
        assertFalse(r.path("truncated").asBoolean());
    }

    @Test
    void quotedFieldsKeepDelimitersLineBreaksAndDoubledQuotes() throws Exception {
        JsonNode r = query("id,text\r\n1,\"a, b\"\r\n2,\"line1\r\nline2\"\r\n3,\"say \"\"hi\"\"\"\r\n4,\"\"\r\n", "{}");
        assertEquals("a, b", r.path("rows").get(0).get(1).asText());
        assertEquals("line1\r\nline2", r.path("rows").get(1).get(1).asText());
        assertEquals("say \"hi\"", r.path("rows").get(2).get(1).asText());
        assertEquals("", r.path("rows").get(3).get(1).asText());
        assertEquals(4, r.path("matched").asInt());
    }

    @Test
    void crlfAndLfBothEndRecordsAndBlankLinesAreSkipped() throws Exception {
        JsonNode r = query("a,b\r\n1,2\n\n3,4\r\n\r\n", "{}");
        assertEquals("[[\"1\",\"2\"],[\"3\",\"4\"]]", r.path("rows").toString());
    }

    @Test
    void anotherDelimiterSplitsFieldsAndLeavesCommasAlone() throws Exception {
        JsonNode r = query("a;b\n1,5;\"x;y\"\n", "{'delimiter':';'}");
        assertEquals("[[\"1,5\",\"x;y\"]]", r.path("rows").toString());
    }

    @Test
    void unknownSelectedColumnIsRefusedNamingTheColumns() {
        SyscallException e = refused(PEOPLE, "{'select':['name','x']}");
        assertEquals("no column 'x' (columns: name, city, age, score)", e.getMessage());
    }

    @Test
    void unknownWhereColumnIsRefused() {
        assertEquals("no column 'town' (columns: name, city, age, score)",
                refused(PEOPLE, "{'where':[{'column':'town','op':'=','value':'Paris'}]}").getMessage());
    }

    @Test
    void unknownOrderByColumnIsRefused() {
        assertEquals("no column 'rank' (columns: name, city, age, score)",
                refused(PEOPLE, "{'orderBy':{'column':'rank'}}").getMessage());
    }

    @Test
    void unterminatedQuoteIsRefusedWithTheLineItStartsOn() {
        String message = refused("a,b\n1,2\n3,\"open\nstill open\n", "{}").getMessage();
        assertTrue(message.contains("unterminated quote") && message.contains("line 3"), message);
    }

    @Test
    void duplicateHeaderNamesAreRefused() {
        String message = refused("a,b,a\n1,2,3\n", "{}").getMessage();
        assertTrue(message.contains("'a'") && message.contains("twice"), message);
    }

    @Test
    void raggedRowIsRefusedWithItsLineCountingBreaksInsideQuotes() {
        String message = refused("a,b\n1,\"x\ny\"\n1,2,3\n", "{}").getMessage();
        assertEquals("line 4 has 3 fields, the header has 2", message);
    }

    @Test
    void textAfterAClosingQuoteIsRefused() {
        String message = refused("a,b\n1,\"x\"y\n", "{}").getMessage();
        assertTrue(message.contains("line 2") && message.contains("closing quote"), message);
    }

    @Test
    void csvWithoutAHeaderIsRefused() {
        refused("\n\n", "{}");
    }

    @Test
    void quoteAsDelimiterIsRefused() {
        refused("a\n1\n", "{'delimiter':'\"'}");
    }
}
