// sys/epoll.h for the bench client (Glibc's Swift module does not include it).
#include <sys/epoll.h>
