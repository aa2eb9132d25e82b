// Subscribes to a topic at a hub with the npm package pubsubhubbub (a third-party WebSub
// subscriber) and prints one JSON line per event on stdout: listen, subscribe, denied, error,
// and feed (with the topic, the content type and the body). Arguments: hub topic port.
// Exit status 3 means the package is not installed.
let pubsubhubbub;
try {
    pubsubhubbub = require('pubsubhubbub');
} catch (e) {
    process.exit(3);
}
const [hub, topic, port] = process.argv.slice(1);
const say = o => process.stdout.write(JSON.stringify(o) + '\n');
// No secret: the package sends the hub an HMAC of its secret as hub.secret but checks
// signatures with the secret itself, so no hub's signature can match.
const sub = pubsubhubbub.createServer({ callbackUrl: 'http://127.0.0.1:' + port + '/', leaseSeconds: 3600 });
sub.on('listen', () => {
    say({ event: 'listen' });
    sub.subscribe(topic, hub, err => { if (err) say({ event: 'error', error: String(err) }); });
});
sub.on('subscribe', d => say({ event: 'subscribe', topic: d.topic }));
sub.on('denied', d => say({ event: 'denied', topic: d.topic, error: String(d.error) }));
sub.on('error', err => say({ event: 'error', error: String(err) }));
sub.on('feed', d => say({ event: 'feed', topic: d.topic, contentType: d.headers['content-type'], body: d.feed.toString('utf8') }));
sub.listen(Number(port));
