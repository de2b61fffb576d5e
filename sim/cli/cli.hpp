#pragma once
// The whole infsim command line as a function: entry.cpp's main calls it, and so does the argv
// fuzzer (fuzz/cli_argv.cpp). Returns the exit code; prints to std::cout and std::cerr; never
// calls exit().
int infsim_cli_main(int argc, char** argv);
