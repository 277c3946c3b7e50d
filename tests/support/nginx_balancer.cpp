#include "nginx_balancer.hpp"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace seeder::test {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string nginx_binary() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    struct stat info {};
    if (::stat(path, &info) == 0) return path;
  }
  return {};
}

NginxBalancer::NginxBalancer(const std::filesystem::path& deploy_dir,
                             const std::vector<std::uint16_t>& ports,
                             const std::filesystem::path& scratch,
                             const std::string& fail_timeout) {
  const auto nginx = nginx_binary();
  if (nginx.empty()) throw std::runtime_error("nginx is not installed (nginx-light)");
  std::filesystem::create_directories(scratch);
  port_ = free_port();
  auto conf = read_text(deploy_dir / "nginx" / "seeder.conf");
  if (conf.empty()) throw std::runtime_error("no " + (deploy_dir / "nginx/seeder.conf").string());
  conf = std::regex_replace(conf, std::regex(R"(listen \[::\]:8080;)"), "");
  conf = std::regex_replace(conf, std::regex(R"(listen 8080;)"),
                            "listen 127.0.0.1:" + std::to_string(port_) + ";");
  write_text(scratch / "seeder.conf", conf);
  std::string upstreams = "upstream seeder_instances {\n  hash $seeder_key consistent;\n";
  for (const auto port : ports) {
    upstreams += "  server 127.0.0.1:" + std::to_string(port) +
                 " max_fails=1 fail_timeout=" + fail_timeout + ";\n";
  }
  write_text(scratch / "upstreams.conf", upstreams + "  keepalive 16;\n}\n");
  const auto dir = scratch.string();
  std::string main = "daemon off;\nmaster_process off;\nworker_processes 1;\n";
  main += "pid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log warn;\nevents {}\nhttp {\n";
  main += "  access_log off;\n  tcp_nodelay on;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    main += std::string("  ") + temp + "_temp_path " + dir + "/" + temp + ";\n";
  main += "  include upstreams.conf;\n  include seeder.conf;\n}\n";
  write_text(scratch / "nginx.conf", main);
  {
    ChildProcess check({nginx, "-t", "-q", "-p", dir, "-c", dir + "/nginx.conf"},
                       (scratch / "nginx-t.log").string());
    const auto verdict = check.wait_exit(std::chrono::seconds(10));
    if (verdict != 0) {
      throw NginxConfigRejected("nginx -t refuses the configuration: " +
                                read_text(scratch / "nginx-t.log"));
    }
  }
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{nginx, "-p", dir, "-c", dir + "/nginx.conf"},
      (scratch / "nginx.log").string());
  if (!wait_for_listener(port_, std::chrono::seconds(10))) {
    throw std::runtime_error("nginx did not start: " + read_text(scratch / "error.log") +
                             read_text(scratch / "nginx.log"));
  }
}

}  // namespace seeder::test
