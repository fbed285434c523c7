package org.agentos.memory.hierarchical;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
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
 */
final class Archive implements AutoCloseable {
    record Archived(byte[] value, boolean blob) {}

    private final Directory dir;
    private final Analyzer analyzer = new StandardAnalyzer();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private volatile boolean dirty;

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

    void store(long id, String text, byte[] value, boolean blob) throws IOException {
        Document d = new Document();
        d.add(new StringField("aid", Long.toString(id), Field.Store.YES));
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
            Document d = s.storedFields().document(top.scoreDocs[0].doc);
            BytesRef v = d.getBinaryValue("value");
            return new Archived(java.util.Arrays.copyOfRange(v.bytes, v.offset, v.offset + v.length),
                    d.getField("blob").numericValue().intValue() == 1);
        } finally {
            searchers.release(s);
        }
    }

    /** Archive ids among {@code among} whose text matches words of {@code query}, best first. */
    List<Long> search(String query, Collection<Long> among, int limit) throws IOException {
        List<Long> out = new ArrayList<>();
        if (among.isEmpty() || limit <= 0) return out;
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
        List<BytesRef> ids = among.stream().map(id -> new BytesRef(Long.toString(id))).toList();
        BooleanQuery q = new BooleanQuery.Builder()
                .add(words.build(), BooleanClause.Occur.MUST)
                .add(new TermInSetQuery("aid", ids), BooleanClause.Occur.FILTER)
                .build();
        refresh();
        IndexSearcher s = searchers.acquire();
        try {
            for (ScoreDoc sd : s.search(q, limit).scoreDocs) {
                out.add(Long.parseLong(s.storedFields().document(sd.doc).get("aid")));
            }
        } finally {
            searchers.release(s);
        }
        return out;
    }

    /** Drops every document (an import replaces the whole state). */
    void clear() throws IOException {
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
