#include "process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace seeder::test {

std::vector<std::string> loopback_serve_args(const std::string& binary, std::uint16_t port,
                                             const std::string& input, const std::string& data_dir,
                                             const std::vector<std::string>& extra) {
  std::vector<std::string> args{binary,           "serve",
                                "--host",         "127.0.0.1",
                                "--port",         std::to_string(port),
                                "--input",        input,
                                "--data-dir",     data_dir,
                                "--bt-listen",    "127.0.0.1:0",
                                "--no-dht",       "--no-lsd",
                                "--no-upnp",      "--no-natpmp",
                                "--probe-port",   "0",
                                "--metrics-port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const int error = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + argv[0] + " (log " + log_path +
                             "): " + std::strerror(error));
  }
  stdout_fd_ = pipe_fds[0];
}

ChildProcess::~ChildProcess() {
  stop();
}

std::string ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      auto line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("child wrote no line in time");
    pollfd poll_fd{stdout_fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    const auto n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("child closed its output");
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::uint64_t ChildProcess::peak_rss() const {
  if (pid_ <= 0) return 0;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::uint64_t ChildProcess::stop() {
  if (pid_ <= 0) return final_peak_rss_;
  ::kill(pid_, SIGTERM);
  int status = 0;
  rusage usage{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t reaped = 0;
  while ((reaped = ::wait4(pid_, &status, WNOHANG, &usage)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (reaped == 0) {
    ::kill(pid_, SIGKILL);
    ::wait4(pid_, &status, 0, &usage);
  }
  final_peak_rss_ = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  return final_peak_rss_;
}

void ChildProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (stdout_fd_ >= 0) ::close(stdout_fd_);
      stdout_fd_ = -1;
      return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

namespace {

// Whether `port` on 127.0.0.1 can be bound now (0: the kernel's pick); the port bound, or 0.
std::uint16_t bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

}  // namespace

// Below the kernel's ephemeral range (32768 up by default): a port from that range, free when
// picked, can be taken as the source port of any outgoing connection before the child binds it
// (a swarm behind delay proxies makes thousands), and the child then fails to listen.
std::uint16_t free_port() {
  static std::atomic<unsigned> next{static_cast<unsigned>(::getpid()) * 7919u};
  constexpr unsigned kFirst = 20000, kCount = 12000;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(kFirst + next.fetch_add(1) * 4099u % kCount);
    if (bindable(port) != 0) return port;
  }
  if (const auto port = bindable(0); port != 0) return port;
  throw std::runtime_error("no free port");
}

bool wait_for_listener(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool connected =
        ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace seeder::test
