/* Accelerator and guest kernel (see accel.h). */
#include "vm/accel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

static bool kvm_standard(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0 &&
	       (access("/sys/module/kvm_intel", F_OK) == 0 ||
		access("/sys/module/kvm_amd", F_OK) == 0);
}

int vm_accel_pick(const char *want, enum vm_accel *out, char **out_warning, struct berr **err)
{
	*out_warning = NULL;
	if (want && !strcmp(want, "tcg")) {
		*out = VM_ACCEL_TCG;
		return 0;
	}
	if (want && strcmp(want, "kvm") && strcmp(want, "auto"))
		return berr_plain(err, EINVAL, "unknown --vm-accel '%s': auto, kvm or tcg", want);
	if (kvm_standard()) {
		*out = VM_ACCEL_KVM;
		return 0;
	}
	const char *why = access("/sys/module/kvm_pvm", F_OK) == 0
			      ? "/dev/kvm is kvm_pvm, which boots only PVM guest kernels"
			  : access("/dev/kvm", F_OK) == 0 ? "/dev/kvm is not usable"
							  : "there is no /dev/kvm";
	if (want && !strcmp(want, "kvm"))
		return berr_plain(err, EINVAL, "--vm-accel kvm: %s", why);
	*out = VM_ACCEL_TCG;
	*out_warning = xasprintf("%s: the VM runs on QEMU's TCG (emulated, slower)", why);
	return 0;
}

const char *vm_accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : "tcg";
}

unsigned vm_host_tsc_khz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;
	while (f && fgets(line, sizeof(line), f) && !mhz)
		if (!strncmp(line, "cpu MHz", 7) && strchr(line, ':'))
			mhz = atof(strchr(line, ':') + 1);
	if (f)
		fclose(f);
	return mhz > 1 ? (unsigned)(mhz * 1000) : 2000000;
}

/* "vmlinuz-6.1.0-57-cloud-amd64" < "vmlinuz-6.1.0-58-cloud-amd64": versionsort order */
static int newer(const struct dirent **a, const struct dirent **b)
{
	return -versionsort(a, b);
}

static int cloud(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return !strncmp(d->d_name, "vmlinuz-", 8) && n > 19 &&
	       !strcmp(d->d_name + n - 12, "-cloud-amd64");
}

int vm_kernel_find(const char *path, char **out_kernel, char **out_modules, struct berr **err)
{
	autofree char *found = NULL;
	if (!path)
		path = getenv("BERTH_VM_KERNEL");
	if (!path) {
		struct dirent **list = NULL;
		int n = scandir("/boot", &list, cloud, newer);
		if (n > 0)
			found = xasprintf("/boot/%s", list[0]->d_name);
		for (int i = 0; i < n; i++)
			free(list[i]);
		free(list);
		if (!found)
			return berr_plain(
			    err, ENOENT,
			    "no guest kernel: install linux-image-cloud-amd64 or give "
			    "--kernel");
		path = found;
	}
	if (access(path, R_OK) < 0)
		return berr_set(err, errno, "guest kernel '%s'", path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *release = !strncmp(base, "vmlinuz-", 8) ? base + 8 : NULL;
	autofree char *mods = release ? xasprintf("/lib/modules/%s", release) : NULL;
	if (!mods || access(mods, F_OK) < 0)
		return berr_plain(err, ENOENT, "no modules for guest kernel '%s' (/lib/modules/%s)",
				  path, release ? release : "?");
	*out_kernel = xstrdup(path);
	*out_modules = take_ptr(&mods);
	return 0;
}
