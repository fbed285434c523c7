package org.agentos.memory.hierarchical;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * The archival store of paged-out working entries: a Lucene index whose documents hold the value
 * (stored) and its text (indexed), so that one structure both keeps what left the context window
 * and finds it again for recall. Documents are immutable and named by an archive id; a forked
 * space shares them with its parent. The archive is a cache of one run: it starts empty (a
 * persistent space's values are in the log; memory-only spaces end with the JVM).
 *
 * <p>Each document carries the tag of the space that archived it and its id as a point, so that
 * recall is one ranked query restricted by the space's {@link Space#lineage lineage}: its own tag,
 * plus, for a fork, each ancestor's tag up to the id the archive had reached at the fork (what
 * the child can have inherited). More documents than the space still has paged out can pass that
 * filter (versions since rewritten, entries paged back in, what an ancestor archived of keys the
 * child has rewritten since); the caller tells them apart by key and id (doc values, read without
 * the stored fields), and the search reads on past them in growing pages. Documents only their own space can reach are deleted once stale ({@link #deleteLater}).
 */
final class Archive implements AutoCloseable {
    record Archived(byte[] value, boolean blob) {}

    /** A search result: the document's archive id, the key it was archived under, and its value. */
    record Hit(long id, String key, Archived value) {}

    /** Whether a hit is one the caller still has paged out under that key with that id. */
    interface Current {
        boolean test(long id, String key);
    }

    private final Directory dir;
    private final Analyzer analyzer = new StandardAnalyzer();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private volatile boolean dirty;
    private final ConcurrentLinkedQueue<Query> stale = new ConcurrentLinkedQueue<>();
    private final AtomicInteger staleCount = new AtomicInteger();

    /**
     * @param path where the index lives, null = in memory. NIOFSDirectory rather than
     *             FSDirectory.open: MMapDirectory's Java 19+ provider sits in the multi-release part
     *             of lucene-core, which an embedding by package does not carry.
     */
    Archive(Path path) throws IOException {
        this.dir = path == null ? new ByteBuffersDirectory() : new NIOFSDirectory(path);
        this.writer = new IndexWriter(dir, new IndexWriterConfig(analyzer).setOpenMode(IndexWriterConfig.OpenMode.CREATE));
        this.searchers = new SearcherManager(writer, null);
    }

    void store(long id, long tag, String key, String text, byte[] value, boolean blob) throws IOException {
        Document d = new Document();
        d.add(new StringField("aid", Long.toString(id), Field.Store.YES));
        d.add(new LongPoint("aidp", id));
        d.add(new StringField("tag", Long.toString(tag), Field.Store.NO));
        // id and key as doc values too: recall checks them for every candidate, and doc values
        // read without decompressing a block of stored fields
        d.add(new NumericDocValuesField("aidv", id));
        d.add(new BinaryDocValuesField("keyv", new BytesRef(key)));
        d.add(new TextField("text", text, Field.Store.NO));
        d.add(new StoredField("value", value));
        d.add(new StoredField("blob", blob ? 1 : 0));
        writer.addDocument(d);
        dirty = true;
    }

    /** The archived value of {@code id}, or null when there is none. */
    Archived load(long id) throws IOException {
        refresh();
        IndexSearcher s = searchers.acquire();
        try {
            TopDocs top = s.search(new TermQuery(new Term("aid", Long.toString(id))), 1);
            if (top.scoreDocs.length == 0) return null;
            return value(s, top.scoreDocs[0].doc);
        } finally {
            searchers.release(s);
        }
    }

    /**
     * The documents of {@code lineage} (pairs of space tag and the highest id it may reach,
     * {@link Long#MAX_VALUE} for all) whose text matches words of {@code query}, best first, at
     * most {@code limit} of those {@code current} accepts.
     */
    List<Hit> search(String query, long[] lineage, int limit, Current current) throws IOException {
        List<Hit> out = new ArrayList<>();
        if (limit <= 0) return out;
        BooleanQuery.Builder words = new BooleanQuery.Builder();
        int n = 0;
        try (TokenStream ts = analyzer.tokenStream("text", query)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken() && n < 64) {
                words.add(new TermQuery(new Term("text", term.toString())), BooleanClause.Occur.SHOULD);
                n++;
            }
            ts.end();
        }
        if (n == 0) return out;
        Query q = new BooleanQuery.Builder()
                .add(words.build(), BooleanClause.Occur.MUST)
                .add(filter(lineage), BooleanClause.Occur.FILTER)
                .build();
        refresh();
        IndexSearcher s = searchers.acquire();
        try {
            int page = Math.max(16, 2 * limit);
            ScoreDoc after = null;
            while (true) {
                TopDocs top = after == null ? s.search(q, page) : s.searchAfter(after, q, page);
                List<LeafReaderContext> leaves = s.getIndexReader().leaves();
                for (ScoreDoc sd : top.scoreDocs) {
                    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(sd.doc, leaves));
                    int doc = sd.doc - leaf.docBase;
                    NumericDocValues ids = DocValues.getNumeric(leaf.reader(), "aidv");
                    BinaryDocValues keys = DocValues.getBinary(leaf.reader(), "keyv");
                    if (!ids.advanceExact(doc) || !keys.advanceExact(doc)) continue;
                    long id = ids.longValue();
                    String key = keys.binaryValue().utf8ToString();
                    if (current.test(id, key)) {
                        out.add(new Hit(id, key, value(s, sd.doc)));
                        if (out.size() == limit) return out;
                    }
                }
                if (top.scoreDocs.length < page) return out;
                after = top.scoreDocs[top.scoreDocs.length - 1];
                page = Math.min(4 * page, 4096); // many stale hits: read on in larger pages
            }
        } finally {
            searchers.release(s);
        }
    }

    private static Archived value(IndexSearcher s, int doc) throws IOException {
        Document d = s.storedFields().document(doc, Set.of("value", "blob"));
        BytesRef v = d.getBinaryValue("value");
        return new Archived(java.util.Arrays.copyOfRange(v.bytes, v.offset, v.offset + v.length),
                d.getField("blob").numericValue().intValue() == 1);
    }

    private static Query filter(long[] lineage) {
        if (lineage.length == 2 && lineage[1] == Long.MAX_VALUE) return tag(lineage[0]);
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (int i = 0; i < lineage.length; i += 2) {
            any.add(lineage[i + 1] == Long.MAX_VALUE ? tag(lineage[i]) : upTo(lineage[i], Long.MIN_VALUE, lineage[i + 1]),
                    BooleanClause.Occur.SHOULD);
        }
        return any.build();
    }

    private static Query tag(long tag) {
        return new TermQuery(new Term("tag", Long.toString(tag)));
    }

    private static Query upTo(long tag, long from, long to) {
        return new BooleanQuery.Builder()
                .add(tag(tag), BooleanClause.Occur.FILTER)
                .add(LongPoint.newRangeQuery("aidp", from, to), BooleanClause.Occur.FILTER)
                .build();
    }

    /** Marks document {@code id} for deletion (no space can reach it any more). */
    void deleteLater(long id) {
        queueDelete(new TermQuery(new Term("aid", Long.toString(id))));
    }

    /** Marks the documents of space {@code tag} with ids above {@code above} for deletion. */
    void deleteLater(long tag, long above) {
        queueDelete(upTo(tag, above + 1, Long.MAX_VALUE));
    }

    private void queueDelete(Query q) {
        stale.add(q);
        staleCount.incrementAndGet();
    }

    /** Stale documents marked so far, not yet deleted. */
    int staleCount() {
        return staleCount.get();
    }

    /**
     * Deletes what {@link #deleteLater} marked, unless {@code compacting}: a compaction's snapshot
     * may name documents that became stale after it was taken, and reads them while it writes.
     * Taken first, checked second: a snapshot taken after the take names none of these.
     */
    void purge(BooleanSupplier compacting) throws IOException {
        List<Query> batch = new ArrayList<>();
        for (Query q; (q = stale.poll()) != null; ) batch.add(q);
        if (batch.isEmpty()) return;
        if (compacting.getAsBoolean()) {
            stale.addAll(batch);
            return;
        }
        staleCount.addAndGet(-batch.size());
        writer.deleteDocuments(batch.toArray(Query[]::new));
        dirty = true;
    }

    /** Drops every document (an import replaces the whole state). */
    void clear() throws IOException {
        stale.clear();
        staleCount.set(0);
        writer.deleteAll();
        dirty = true;
    }

    private void refresh() throws IOException {
        if (dirty) {
            dirty = false;
            searchers.maybeRefreshBlocking();
        }
    }

    @Override
    public void close() throws IOException {
        searchers.close();
        writer.close();
        dir.close();
    }
}
