// The torrent_mode route: ?stats, ?warmup and ?done on a torrent path (see exchange.hpp).
#include "exchange.hpp"

namespace seeder::http {

void RequestHandler::Exchange::answer_mode() {
  auto decision = router.route_mode(request, entry);
  if (auto* early = std::get_if<Reply>(&decision)) {
    reply(std::move(*early));
    return;
  }
  auto& plan = std::get<ModePlan>(decision);
  if (plan.mode != Mode::warmup && plan.selection.kind == torrent::Selection::Kind::file &&
      content.has_vault()) {
    check_vault_then_run(std::move(plan));
    return;
  }
  run_mode(std::move(plan));
}

// A file in the vault is available without the torrent, as one complete on disk: ?done says
// 200 and ?stats 404, as the reference's web UI expects.
void RequestHandler::Exchange::check_vault_then_run(ModePlan plan) {
  auto shared_plan = std::make_shared<ModePlan>(std::move(plan));
  content.async_vault(
      entry, request.path, executor,
      [self = shared_from_this(), shared_plan](std::optional<net::VaultRedirect> in_vault) {
        if (self->gone()) return;
        if (!in_vault) {
          self->run_mode(std::move(*shared_plan));
        } else if (shared_plan->mode == Mode::done) {
          self->reply(self->router.done_reply(self->request, true));
        } else {
          self->fail(make_error(Errc::not_found, "available in the vault"));
        }
      });
}

void RequestHandler::Exchange::run_mode(ModePlan plan) {
  if (plan.mode == Mode::done) {
    content.async_done(entry, std::move(plan.selection), executor,
                       [self = shared_from_this()](Result<bool> complete) {
                         if (self->gone()) return;
                         if (!complete) {
                           self->log_failure(complete.error());
                           self->fail(complete.error());
                           return;
                         }
                         self->reply(self->router.done_reply(self->request, *complete));
                       });
    return;
  }
  auto head = std::make_shared<Reply>(std::move(plan.head));
  auto opened = [self = shared_from_this(), head](Result<std::shared_ptr<EventStream>> events) {
    self->on_events_open(std::move(events), std::move(*head));
  };
  if (plan.mode == Mode::stats) {
    content.async_open_stats(entry, std::move(plan.selection), executor, std::move(opened));
  } else {
    content.async_open_warmup(entry, std::move(plan.selection), plan.first, plan.length, executor,
                              std::move(opened));
  }
}

void RequestHandler::Exchange::on_events_open(Result<std::shared_ptr<EventStream>> events,
                                              Reply head) {
  if (gone()) {
    if (events) (*events)->cancel();
    return;
  }
  if (!events) {
    if (events.error().code != Errc::not_found) log_failure(events.error());
    fail(events.error());
    return;
  }
  Response response;
  response.reply = std::move(head);
  response.events = std::move(*events);
  send(std::move(response));
}

}  // namespace seeder::http
