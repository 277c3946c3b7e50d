#include "session_link.hpp"

#include <spdlog/spdlog.h>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/units.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/torrent_plugin.hpp"

namespace seeder::torrent {

namespace lt = libtorrent;

SessionLink::SessionLink(lt::session& session, SessionLinkOptions options)
    : session_(session), options_(std::move(options)) {}

void SessionLink::add(LiveTorrent& torrent, const storage::TorrentStore& store) {
  warn_if_budget_too_small(torrent.meta(), store);
  const auto& meta = torrent.meta();
  if (store.needs_full_check()) {
    spdlog::warn(
        "torrent {}: hash-checking everything on disk (its completion records were rebuilt)",
        meta.hash().hex());
  }
  spdlog::info("torrent {} ({}): adding to session, {} of {} pieces on disk", meta.hash().hex(),
               meta.name(), store.complete_pieces(), meta.num_pieces());
  auto params = params_for(torrent, store);
  torrent.on_adding(params.have_pieces);
  session_.async_add_torrent(std::move(params));
}

lt::add_torrent_params SessionLink::params_for(const LiveTorrent& torrent,
                                               const storage::TorrentStore& store) const {
  lt::add_torrent_params params;
  // libtorrent may mutate its torrent_info (renames, merkle trees): give it its own copy.
  params.ti = std::make_shared<lt::torrent_info>(*torrent.info());
  params.save_path = storage::torrent_dir(options_.data_dir, torrent.meta().hash()).string();
  // Added paused and resumed on the add alert: see on_added.
  params.flags &= ~lt::torrent_flags::auto_managed;
  params.flags |= lt::torrent_flags::paused;
  // Only what readers want is fetched (and, without a budget, the files they read, paced in
  // the background); a page view or a HEAD fetches a film's ends, or one piece, to join
  // (LiveTorrent::join_for).
  params.flags |= lt::torrent_flags::default_dont_download;
  // The operator's torrents may reach peers anywhere (a LAN seed, --peer); a stranger's (an
  // upload, a magnet) keep the session's filter of private addresses.
  if (torrent.entry().origin == Origin::operator_given)
    params.flags &= ~lt::torrent_flags::apply_ip_filter;
  if (!store.needs_full_check()) {
    // seeder's records say what is verified: no file check, resume from them.
    params.flags |= lt::torrent_flags::no_verify_files;
    params.have_pieces = store.have_pieces();
  }
  params.peers = given_peers(torrent);
  params.extensions.push_back(
      [store = torrent.store(),
       weak = std::weak_ptr<LiveTorrent>(
           std::const_pointer_cast<LiveTorrent>(torrent.shared_from_this())),
       network = &session_.get_context(),
       tally = urgent_tally_](const lt::torrent_handle&, lt::client_data_t) {
        return make_torrent_plugin(store, weak, {*network, tally});
      });
  return params;
}

// Readers' windows are never evicted, so a budget below one window plus the piece being
// written cannot hold: the torrent then keeps about that much on disk per reader anyway.
void SessionLink::warn_if_budget_too_small(const TorrentMeta& meta,
                                           const storage::TorrentStore& store) const {
  const auto budget = store.budget();
  const auto minimum =
      options_.readahead_bytes + 2 * static_cast<std::uint64_t>(meta.piece_length());
  if (budget == 0 || budget >= minimum) return;
  spdlog::warn(
      "torrent {}: cache budget {} is below one read-ahead window plus two pieces; "
      "effective minimum per active reader: {}",
      meta.hash().hex(), format_size(budget), format_size(minimum));
}

// libtorrent 2.0.8 counts a torrent's connect candidates lazily, inside the very call that
// want_peers() gates on the count: a seed that hung up while the torrent was finished (wanting
// nothing) is never counted again, and the torrent never dials anyone. A change of the session's
// max_failcount makes every torrent recount (peer_list::set_max_failcount); alternating 3 and 4
// forces it. Then the pause/resume kick dials at once.
//
// Each failed dial counts against a peer, libtorrent dials a peer no more once it has failed
// max_failcount times, and only a tracker naming the peer again takes one failure back
// (peer_list::update_peer). A reader waiting redials every second, so a seed away for a few
// seconds was never dialled again: every read failed on its piece timeout with the seed back.
// The peers the gateway was given are named again before each kick, as a tracker would.
void SessionLink::reconnect(LiveTorrent& torrent) {
  lt::settings_pack pack;
  pack.set_int(lt::settings_pack::max_failcount, recount_toggle_.fetch_xor(1) == 0 ? 4 : 3);
  session_.apply_settings(std::move(pack));
  try {
    const auto handle = torrent.handle();
    for (const auto& peer : given_peers(torrent))
      handle.connect_peer(peer, lt::peer_info::tracker);
  } catch (const lt::system_error&) {
    // Gone already (dropped, or on its way through a resync): nothing to dial for.
  }
  torrent.reconnect();
}

std::vector<lt::tcp::endpoint> SessionLink::given_peers(const LiveTorrent& torrent) const {
  auto peers = options_.extra_peers;
  const auto& known = torrent.entry().peers;
  peers.insert(peers.end(), known.begin(), known.end());
  return peers;
}

// libtorrent 2.0 cannot forget a piece: the only way to make it fetch an evicted piece again is
// to remove the torrent and add it back with what the store really has. Connections drop; the
// peers it had are given to the new torrent, which dials them at once when resumed.
void SessionLink::resync(const std::shared_ptr<LiveTorrent>& torrent) {
  const auto store = torrent->store();
  const auto old = torrent->begin_resync();
  if (!store || !old.is_valid()) return;
  auto params = params_for(*torrent, *store);
  // Costs seeding what is on disk until it is fetched again: see resync_reports_pieces().
  if (!torrent->resync_reports_pieces()) params.have_pieces.clear();
  try {
    std::vector<lt::peer_info> peers;
    old.get_peer_info(peers);
    for (const auto& peer : peers)
      params.peers.push_back(peer.ip);
  } catch (const lt::system_error&) {
    // Gone already: the known peers will do.
  }
  // Under a small budget a reader can resync several times a second: one line in ten seconds,
  // with how many were held back (every one is counted in seeder_resyncs_total).
  if (const auto held = resync_logged_.admit()) {
    spdlog::info("torrent {}: resyncing with libtorrent ({} of {} pieces on disk){}",
                 torrent->meta().hash().hex(), store->complete_pieces(),
                 torrent->meta().num_pieces(),
                 *held > 0 ? fmt::format("; {} more resyncs since the last line", *held) : "");
  }
  session_.remove_torrent(old);
  torrent->on_adding(params.have_pieces);
  session_.async_add_torrent(std::move(params));
}

// Resuming is libtorrent's one public path to an immediate "connect boost"
// (torrent::do_resume); peers it was given at add time are otherwise only dialled by the
// session's once-a-second connection tick: up to a second of nothing before the first byte.
Status SessionLink::on_added(LiveTorrent& torrent, const lt::add_torrent_alert& added) {
  if (added.error) {
    spdlog::error("torrent {}: cannot add to session: {}", torrent.meta().hash().hex(),
                  added.error.message());
    return make_error(Errc::unavailable, "cannot start torrent: " + added.error.message());
  }
  if (torrent.state() == LiveTorrent::State::resyncing) {
    // Before the resume: while paused, the new handle verifies nothing, so nothing it verifies
    // arrives while the torrent still counts as resyncing (and would not be believed had).
    torrent.finish_resync(added.handle);
    added.handle.resume();
    ++resyncs_total_;
    spdlog::debug("torrent {}: resynced", torrent.meta().hash().hex());
    return {};
  }
  added.handle.resume();
  torrent.mark_ready(added.handle);
  spdlog::debug("torrent {}: in session", torrent.meta().hash().hex());
  return {};
}

void SessionLink::on_checked(LiveTorrent& torrent) {
  const auto store = torrent.store();
  if (!store || !store->needs_full_check()) return;
  spdlog::info("torrent {}: hash check done, {} pieces verified on disk",
               torrent.meta().hash().hex(), store->complete_pieces());
  store->on_full_check_finished();
}

}  // namespace seeder::torrent
