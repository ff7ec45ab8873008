// duckdb_read.js - read an export's parts with DuckDB, as a data engineer would (issue 22).
//   node tests/e2e/duckdb_read.js 'FOLDER/part-*.ndjson.gz'
// Prints one JSON array of the records read_ndjson() finds, in file order. The engine comes from
// npm (@duckdb/node-api, installed by `make e2e` into build/npm); its JSON reader is built in, so
// nothing is downloaded when it runs.
const path = require("path");
const { DuckDBInstance } = require(path.join(__dirname, "..", "..", "build", "npm",
                                             "node_modules", "@duckdb", "node-api"));

const COLUMNS = "{page_id: 'VARCHAR', page_title: 'VARCHAR', page_text: 'VARCHAR', " +
    "category: 'VARCHAR[]', links: 'VARCHAR[]', external_links: 'VARCHAR[]', " +
    "sections: 'VARCHAR[]', redirects_page: 'VARCHAR'}";

async function main() {
    const glob = process.argv[2].replace(/'/g, "''");
    const instance = await DuckDBInstance.create(":memory:", {autoinstall_known_extensions: "false",
                                                              autoload_known_extensions: "false"});
    const conn = await instance.connect();
    const reader = await conn.runAndReadAll(
        `SELECT * FROM read_ndjson('${glob}', columns = ${COLUMNS}, compression = 'gzip')`);
    process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
}

main().catch((e) => { console.error(e); process.exit(1); });
