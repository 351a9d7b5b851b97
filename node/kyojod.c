/*
 * kyojod - the Kyojo node daemon.
 *
 *     kyojod [-v] [-n] -d DIR
 *
 * Runs in the foreground (systemd style) and logs to stderr.  -n checks
 * the configuration (kyojod.conf, and http.conf with the export policy it
 * serves) and exits.  SIGTERM/SIGINT finish the open batch and stop;
 * SIGHUP reloads the keyring, the peer cards, the honoured rosters,
 * http.conf and the export policy of the HTTP listener (a stored roster
 * version triggers the same reload).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "keys/keyfile.h"
#include "node/cli.h"
#include "node/daemon.h"
#include "node/scrub.h"
#include "node/unseal.h"
#include "node/http.h"
#include "node/log.h"

struct daemon *daemon_self;

/*
 * The map is address space, not disk (no MDB_WRITEMAP: the file grows only
 * with the data).  A big first map means it practically never has to grow
 * while the HTTP listener's thread holds a read transaction, which would
 * make that batch fail (LMDB cannot resize under an open reader).  Growth
 * on MDB_MAP_FULL still works beyond it.  32-bit systems keep the default.
 */
static const struct store_opts s_store_opts = {
	.map_bytes = sizeof(void *) >= 8 ? (size_t)16 << 30 : 0,
};

static void
s_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

/*
 * `kyojo init` and `kyojo keygen` write the node's card as seq 1 of its
 * chain; the first start stores it, so the chain begins with it.
 */
static void
s_own_card(struct daemon *d)
{
	char path[CONFIG_PATH_MAX + 16];
	struct store_result res;
	struct store_txn *t;
	struct store_head h;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;
	bool have = false;

	if (store_read_begin(d->store, &t) == 0) {
		have = store_head(t, d->self, &h) == 0;
		store_read_end(&t);
	}
	snprintf(path, sizeof(path), "%s/card.rec", d->cfg.dir);
	if (have || cli_read_record(path, &buf, &len, &why) != 0)
		return;
	if (store_ingest(d->store, (const uint8_t *const *)&buf, &len, 1,
	    daemon_now(), &res, &why) != 0 || (res.rc != 0 && res.rc != KY_EDUP))
		log_warnx("%s: not stored: %s", path, why ? why :
		    res.why ? res.why : ky_strerror(res.rc));
	free(buf);
}

static void
s_usage(void)
{
	fprintf(stderr, "usage: kyojod [-v] [-n] [-d DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	const char *dir = cli_default_dir(), *why = NULL;
	char path[CONFIG_PATH_MAX + 16];
	bool check_only = false;
	int c, verbose = 0, rc;

	while ((c = getopt(argc, argv, "d:nv")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': check_only = true; break;
		case 'v': verbose++; break;
		default: s_usage();
		}
	}
	if (optind != argc)
		s_usage();
	log_init("kyojod", verbose);
	d.trace = verbose >= 2;
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialize");
	rc = config_load(&d.cfg, dir, s_config_error, NULL);
	if (rc < 0)
		fatalx("%s/kyojod.conf: %s", dir, ky_strerror(rc));
	if (rc > 0)
		fatalx("%d error%s in %s/kyojod.conf", rc, rc == 1 ? "" : "s", dir);
	if (check_only) {
		if ((rc = http_check(&d.cfg, s_config_error, NULL, &why)) != 0)
			fatalx("%s: %s", dir, why ? why : ky_strerror(rc));
		if ((rc = scrub_new(&d.cfg, &d.scrub, &why)) != 0)
			fatalx("%s/kyojod.conf: %s", dir, why ? why : ky_strerror(rc));
		scrub_free(&d.scrub);
		printf("configuration OK\n");
		return 0;
	}
	if ((rc = keyfile_load_ident(dir, &d.ident, &why)) != 0)
		fatalx("%s: %s", dir, why ? why : ky_strerror(rc));
	memcpy(d.self, ident_public(d.ident), 32);
	snprintf(path, sizeof(path), "%s/store", dir);
	if ((rc = store_open_opts(path, STORE_CREATE, &s_store_opts, &d.store,
	    &why)) != 0)
		fatalx("%s: %s", path, why ? why : ky_strerror(rc));
	if ((rc = scrub_new(&d.cfg, &d.scrub, &why)) != 0)
		fatalx("%s/kyojod.conf: %s", dir, why ? why : ky_strerror(rc));
	scrub_allow_documentation(d.scrub, d.cfg.accept_documentation != 0);
	/* Sealed bodies addressed to us are opened as they are stored. */
	store_set_opener(d.store, unseal_record, d.ident);
	s_own_card(&d);
	if ((rc = http_start(&d.cfg, d.store, &d.http, &why)) != 0)
		fatalx("http: %s", why);
	if ((d.origins = origins_new()) == NULL)
		fatalx("out of memory");
	if ((d.zctx = zmq_ctx_new()) == NULL)
		fatalx("zmq_ctx_new failed");
	daemon_self = &d;
	daemon_signals();
	/* The ZAP handler must exist before any CURVE socket. */
	if (zap_new(d.zctx, peers_lookup, &d, &d.zap) != 0)
		fatalx("cannot start the ZAP handler");
	if (daemon_load_heads(&d) != 0)
		fatalx("cannot read the store's heads");
	if (peers_load(&d) != 0)
		fatalx("cannot load the keyring or peers");
	if (peers_listen(&d) != 0)
		fatalx("cannot open the gossip listener");
	if (control_open(&d) != 0)
		fatalx("cannot open the control socket");
	d.own_deadline = daemon_now() + OWN_HEAD_WAIT;
	d.own_ready = d.n_trusted == 0;	/* no peer could know more */
	submit_reload_own(&d);
	log_info("node %s started (%zu peer links)", d.cfg.name[0] ?
	    d.cfg.name : dir, d.n_links);
	daemon_run(&d);
	log_info("stopping");
	control_close(&d);
	while (d.n_links > 0)
		peers_drop(&d, d.links[0]);
	if (d.router != NULL)
		zmq_close(d.router);
	zap_destroy(&d.zap);
	zmq_ctx_term(d.zctx);
	http_stop(&d.http);
	store_close(&d.store);
	ident_destroy(&d.ident);
	keyring_destroy(&d.keyring);
	rosters_free(&d.rosters);
	scrub_free(&d.scrub);
	free(d.anon);
	origins_destroy(&d.origins);
	return 0;
}
