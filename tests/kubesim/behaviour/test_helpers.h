// Helpers for the behaviour model tests: scenario text through the real loader, and error messages relative
// to the temporary file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenario.h"
#include "state.h"

namespace kubesim::behaviour::testing {

inline std::filesystem::path writeScenario(const std::string& name, const std::string& content) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("kubesim_behaviour_test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

// The kubesim documents of a scenario given as text, through kubesim::loadScenario.
inline std::vector<ScenarioDocument> documents(const std::string& content) {
  return loadScenario(writeScenario("scenario.yaml", content)).behaviourDocuments;
}

inline Scenario scenario(const std::string& content) {
  return parseScenario(documents(content));
}

// The StateError message of parsing the scenario, with the file name replaced by <file> throughout; "no
// error" if none.
inline std::string scenarioError(const std::string& content) {
  std::filesystem::path file = writeScenario("error.yaml", content);
  try {
    parseScenario(loadScenario(file).behaviourDocuments);
  } catch (const StateError& e) {
    std::string message = e.what();
    for (std::size_t at; (at = message.find(file.string())) != std::string::npos;)
      message.replace(at, file.string().size(), "<file>");
    return message;
  }
  return "no error";
}

}  // namespace kubesim::behaviour::testing
