// The infsim executable: the command line lives in main.cpp as infsim_cli_main.
#include "cli.hpp"

int main(int argc, char** argv) {
  return infsim_cli_main(argc, argv);
}
