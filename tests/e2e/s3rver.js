// s3rver.js - an S3 server that checks SigV4 signatures, for the export tests (issue 22).
//   node tests/e2e/s3rver.js DIRECTORY BUCKET [PORT]
// Listens on PORT (default: a free port) of 127.0.0.1 and prints "LISTENING PORT" once it serves. The package
// (@20minutes/s3rver, installed by `make test` into build/npm) ships no bin, hence this file.
const path = require("path");
const S3rver = require(path.join(__dirname, "..", "..", "build", "npm", "node_modules",
                                 "@20minutes", "s3rver"));
const [directory, bucket, port] = process.argv.slice(2);
new S3rver({port: Number(port || 0), address: "127.0.0.1", directory, silent: true,
            configureBuckets: [{name: bucket}]})
    .run()
    .then(({port}) => console.log("LISTENING " + port))
    .catch((e) => { console.error(e); process.exit(1); });
