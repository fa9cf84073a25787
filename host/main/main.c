/* zkseqd's entry point. */
#include "host/main/zkseqd.h"

int main(int argc, char **argv)
{
    return zkseqd_main(argc, argv);
}
