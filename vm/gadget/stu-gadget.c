// A Wacom STU-430 (USB 056a:00a4) made by the kernel's USB gadget stack, for the VM rig (`make vm-test`):
// configfs creates the device on dummy_hcd, FunctionFS (usb_f_fs) hands its control requests and its
// interrupt IN endpoint to this program. It answers the HID feature reports as the STU SDK describes them
// (status, information, capability, image upload, inking, handwriting area, pen data mode) and, once the
// host has shown an image, signs and taps OK like a citizen. The host side of the same kernel sees a real
// USB device, so fotoboxctl's libusb code runs unchanged against it.
//
//   stu-gadget sign        sign, then tap OK
//   stu-gadget unplug      sign half, then unplug (unbind from the UDC)
//   stu-gadget malformed   refuse the capability report, garble the information report, send broken pen
//                          reports (empty, short, unknown id, out of range) before signing and tapping OK
//
// Prints "stu-gadget: bound to <udc>" when the host can see the pad; stops on SIGTERM/SIGINT or after
// the unplug. Removes the gadget on exit.
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GADGET "/sys/kernel/config/usb_gadget/fotobox-stu"
#define FFS_DIR "/tmp/ffs-stu"
#define MAX_X 9600
#define MAX_Y 6000
#define SCREEN_W 320
#define SCREEN_H 200
#define IMAGE_BYTES (SCREEN_W / 8 * SCREEN_H)

enum scenario { SIGN, UNPLUG, MALFORMED };
static enum scenario scenario;
static int ep0 = -1, ep1 = -1;
static volatile sig_atomic_t stopping;

// What the host told the pad; guarded by `lock`.
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int enabled, images_shown, inking, pen_mode, state /* 0 ready, 1 image */, last_result, uploaded;
static int cleared_after_ok, signing_done;

static void say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "stu-gadget: ");
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) { say("open %s: %s", path, strerror(errno)); return -1; }
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    if (n < 0) { say("write %s: %s", path, strerror(saved)); return -1; }
    return 0;
}

static int make_dir(const char *path) {
    if (mkdir(path, 0755) < 0 && errno != EEXIST) { say("mkdir %s: %s", path, strerror(errno)); return -1; }
    return 0;
}

// ---- Descriptors: one HID interface (the STU's), one interrupt IN endpoint, full and high speed. ----

struct hid_class_descriptor {
    uint8_t bLength, bDescriptorType;
    uint16_t bcdHID;
    uint8_t bCountryCode, bNumDescriptors, bReportType;
    uint16_t wReportLength;
} __attribute__((packed));

// Vendor-defined page: pen reports 0x01 and 0x34 in, the feature reports the station uses. Enough for
// usbhid to bind on arrival, so that the host's libusb code must detach it (as with a real pad).
static const uint8_t report_descriptor[] = {
    0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,
    0x85, 0x01, 0x95, 0x06, 0x09, 0x01, 0x81, 0x02,   // pen data
    0x85, 0x34, 0x95, 0x0A, 0x09, 0x01, 0x81, 0x02,   // pen data with time and sequence
    0x85, 0x03, 0x95, 0x04, 0x09, 0x01, 0xB1, 0x02,   // status
    0x85, 0x08, 0x95, 0x10, 0x09, 0x01, 0xB1, 0x02,   // information
    0x85, 0x09, 0x95, 0x10, 0x09, 0x01, 0xB1, 0x02,   // capability
    0x85, 0x26, 0x96, 0xFF, 0x00, 0x09, 0x01, 0xB1, 0x02, // image data block
    0xC0,
};

struct interface_descriptors {
    struct usb_interface_descriptor interface;
    struct hid_class_descriptor hid;
    struct usb_endpoint_descriptor_no_audio in;
} __attribute__((packed));

static struct {
    struct usb_functionfs_descs_head_v2 header;
    uint32_t fs_count, hs_count;
    struct interface_descriptors fs, hs;
} __attribute__((packed)) descriptors;

static struct {
    struct usb_functionfs_strings_head header;
    uint16_t language;
    char interface_name[sizeof "STU-430"];
} __attribute__((packed)) strings;

static void fill_descriptors(void) {
    descriptors.header.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
    descriptors.header.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
    descriptors.header.length = htole32(sizeof descriptors);
    descriptors.fs_count = descriptors.hs_count = htole32(3);
    struct interface_descriptors *speeds[] = { &descriptors.fs, &descriptors.hs };
    for (int i = 0; i < 2; i++) {
        struct interface_descriptors *d = speeds[i];
        d->interface = (struct usb_interface_descriptor){ .bLength = sizeof d->interface, .bDescriptorType = USB_DT_INTERFACE,
            .bNumEndpoints = 1, .bInterfaceClass = USB_CLASS_HID, .iInterface = 1 };
        d->hid = (struct hid_class_descriptor){ .bLength = sizeof d->hid, .bDescriptorType = 0x21, .bcdHID = htole16(0x0111),
            .bNumDescriptors = 1, .bReportType = 0x22, .wReportLength = htole16(sizeof report_descriptor) };
        d->in = (struct usb_endpoint_descriptor_no_audio){ .bLength = sizeof d->in, .bDescriptorType = USB_DT_ENDPOINT,
            .bEndpointAddress = 1 | USB_DIR_IN, .bmAttributes = USB_ENDPOINT_XFER_INT, .wMaxPacketSize = htole16(64),
            .bInterval = i == 0 ? 5 : 6 };  // 5 ms at full speed, 2^(6-1) × 125 µs = 4 ms at high speed
    }
    strings.header.magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
    strings.header.length = htole32(sizeof strings);
    strings.header.str_count = htole32(1);
    strings.header.lang_count = htole32(1);
    strings.language = htole16(0x0409);
    memcpy(strings.interface_name, "STU-430", sizeof "STU-430");
}

// ---- configfs: the device, its strings, one configuration holding the FunctionFS function. ----

static char udc_name[256];

static int create_gadget(void) {
    if (make_dir(GADGET) || make_dir(GADGET "/strings/0x409") || make_dir(GADGET "/configs/c.1")
        || make_dir(GADGET "/configs/c.1/strings/0x409") || make_dir(GADGET "/functions/ffs.stu")) return -1;
    if (write_file(GADGET "/idVendor", "0x056a") || write_file(GADGET "/idProduct", "0x00a4")
        || write_file(GADGET "/bcdDevice", "0x0105") || write_file(GADGET "/bcdUSB", "0x0200")
        || write_file(GADGET "/strings/0x409/manufacturer", "Wacom Co.,Ltd.")
        || write_file(GADGET "/strings/0x409/product", "STU-430")
        || write_file(GADGET "/strings/0x409/serialnumber", "FOTOBOX-VM")
        || write_file(GADGET "/configs/c.1/MaxPower", "100")
        || write_file(GADGET "/configs/c.1/strings/0x409/configuration", "STU")) return -1;
    if (symlink(GADGET "/functions/ffs.stu", GADGET "/configs/c.1/ffs.stu") < 0 && errno != EEXIST) {
        say("symlink: %s", strerror(errno));
        return -1;
    }
    if (make_dir(FFS_DIR)) return -1;
    if (mount("stu", FFS_DIR, "functionfs", 0, NULL) < 0) { say("mount functionfs: %s", strerror(errno)); return -1; }
    return 0;
}

static int bind_udc(void) {
    DIR *dir = opendir("/sys/class/udc");
    if (!dir) { say("no /sys/class/udc (is dummy_hcd loaded?)"); return -1; }
    struct dirent *entry;
    udc_name[0] = 0;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] != '.') { snprintf(udc_name, sizeof udc_name, "%s", entry->d_name); break; }
    }
    closedir(dir);
    if (!udc_name[0]) { say("no UDC"); return -1; }
    if (write_file(GADGET "/UDC", udc_name)) return -1;
    say("bound to %s", udc_name);
    return 0;
}

static void unplug(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    write_file(GADGET "/UDC", "\n");
    // The wall-clock time lets the test measure how long the host takes to notice.
    say("unplugged at %lld ms", (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

static void remove_gadget(void) {
    int fd = open(GADGET "/UDC", O_WRONLY);
    if (fd >= 0) { if (write(fd, "\n", 1) < 0) { /* already unbound */ } close(fd); }
    if (ep1 >= 0) close(ep1);
    if (ep0 >= 0) close(ep0);
    umount(FFS_DIR);
    rmdir(FFS_DIR);
    unlink(GADGET "/configs/c.1/ffs.stu");
    rmdir(GADGET "/configs/c.1/strings/0x409");
    rmdir(GADGET "/configs/c.1");
    rmdir(GADGET "/functions/ffs.stu");
    rmdir(GADGET "/strings/0x409");
    rmdir(GADGET);
}

// ---- The pad's feature reports. ----

static void put16be(uint8_t *p, int v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

// The reply to GET_REPORT `id`, or -1 to stall (a report this pad does not have, or refuses).
static int feature_report(uint8_t id, uint8_t *out) {
    memset(out, 0, 64);
    out[0] = id;
    pthread_mutex_lock(&lock);
    int result = -1;
    switch (id) {
    case 0x03:
        out[1] = (uint8_t)state; out[2] = (uint8_t)last_result;
        result = 5;
        break;
    case 0x08:
        if (scenario == MALFORMED) { result = 2; break; }  // cut short: the host must not trust it
        memcpy(out + 1, "STU-430", 7);
        out[10] = 1; out[11] = 5;
        result = 17;
        break;
    case 0x09:
        if (scenario == MALFORMED) break;  // old firmware: stall, the host falls back to its model table
        put16be(out + 1, MAX_X); put16be(out + 3, MAX_Y); put16be(out + 5, 1023);
        put16be(out + 7, SCREEN_W); put16be(out + 9, SCREEN_H);
        out[11] = 200; put16be(out + 12, 2540); out[14] = 0x02;
        result = 17;
        break;
    }
    pthread_mutex_unlock(&lock);
    return result;
}

static int known_set_report(uint8_t id) {
    return id == 0x20 || id == 0x21 || id == 0x25 || id == 0x26 || id == 0x27 || id == 0x2A || id == 0x2D || id == 0x32;
}

static void set_report(const uint8_t *r, int n) {
    if (n < 1) return;
    pthread_mutex_lock(&lock);
    last_result = 0;
    switch (r[0]) {
    case 0x20:
        if (signing_done) cleared_after_ok = 1;
        break;
    case 0x21: if (n >= 2) inking = r[1] != 0; break;
    case 0x32: if (n >= 2) pen_mode = r[1]; break;
    case 0x25: if (state == 0) { state = 1; uploaded = 0; } else last_result = 2; break;
    case 0x26:
        if (state != 1 || n < 3) { last_result = 2; break; }
        uploaded += r[1] | r[2] << 8;
        break;
    case 0x27:
        if (state != 1) { last_result = 2; break; }
        state = 0;
        if (n >= 2 && r[1] == 0) {
            if (uploaded == IMAGE_BYTES) images_shown++; else { last_result = 4; say("image of %d bytes, expected %d", uploaded, IMAGE_BYTES); }
        }
        break;
    }
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

// ---- The citizen: pen reports on the interrupt endpoint. ----

static uint16_t clock_ms = 0xFF00, sequence;

static int send_report(const uint8_t *report, size_t length) {
    if (write(ep1, report, length) < 0) { say("interrupt write: %s", strerror(errno)); return -1; }
    return 0;
}

static int pen(int x, int y, int pressure, int touching) {
    uint8_t r[11];
    int timed = pen_mode == 3;
    r[0] = timed ? 0x34 : 0x01;
    r[1] = (uint8_t)(0x80 | (touching ? 0x10 : 0) | ((pressure >> 8) & 0x0F));
    r[2] = (uint8_t)pressure;
    put16be(r + 3, x); put16be(r + 5, y);
    put16be(r + 7, clock_ms); put16be(r + 9, sequence);
    clock_ms += 10; sequence++;
    usleep(10000);
    return send_report(r, timed ? 11 : 7);
}

// A cursive signature in tablet units: six loops (a prolate cycloid), a crossing bar, an underline.
// `fraction` < 1 stops early (the unplug scenario).
static int sign(double fraction) {
    int total = 190 + 24 + 70, sent = 0, limit = (int)(total * fraction);
    for (int i = 0; i < 190 && sent < limit; i++, sent++) {
        double t = 12 * M_PI * i / 189, c = 620 + 180 * sin(t / 3.1);
        double p = fmin(1, i / 8.0) * fmin(1, (189 - i) / 10.0);
        if (pen((int)(1500 + 5200 / (12 * M_PI) * t - 330 * sin(t)), (int)(3350 - c * (1 - cos(t))), (int)(250 + 520 * p), 1)) return -1;
    }
    if (sent < limit && pen(6700, 3350, 0, 0)) return -1;
    for (int i = 0; i < 24 && sent < limit; i++, sent++) {
        double t = i / 23.0;
        if (pen((int)(3000 + 1300 * t), (int)(2250 - 120 * t), 500, 1)) return -1;
    }
    if (sent < limit && pen(4300, 2130, 0, 0)) return -1;
    for (int i = 0; i < 70 && sent < limit; i++, sent++) {
        double t = i / 69.0;
        if (pen((int)(1250 + 5900 * t), (int)(3950 - 250 * t + 160 * sin(t * M_PI)), 600, 1)) return -1;
    }
    if (sent < limit) return pen(7150, 3700, 0, 0);
    return 0;
}

// Taps the prompt's OK button: on the STU-430's 320×200 screen it is the bottom right (x 162…314, y 162…194).
static int tap_ok(void) {
    int x = (2 * 240 + 1) * (MAX_X + 1) / (2 * SCREEN_W), y = (2 * 178 + 1) * (MAX_Y + 1) / (2 * SCREEN_H);
    if (pen(x, y, 0, 0)) return -1;
    for (int i = 0; i < 4; i++) if (pen(x, y, 600, 1)) return -1;
    return pen(x, y, 0, 0);
}

static int malformed_reports(void) {
    uint8_t shortReport[2] = { 0x01, 0x80 }, unknown[7] = { 0x7E, 1, 2, 3, 4, 5, 6 };
    uint8_t outOfRange[7] = { 0x01, 0x90, 0x10, 0xEA, 0x60, 0x00, 0x10 };  // x = 60000
    return send_report(shortReport, sizeof shortReport) || send_report(unknown, sizeof unknown)
        || send_report(outOfRange, sizeof outOfRange) || send_report(shortReport, 0);
}

static void *citizen(void *unused) {
    (void)unused;
    // Wait until the host has put the prompt on the screen and turned inking on.
    pthread_mutex_lock(&lock);
    while (!stopping && !(enabled && images_shown > 0 && inking)) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    if (stopping) return NULL;
    say("prompt shown, signing (pen mode %d)", pen_mode);
    int failed = 0;
    switch (scenario) {
    case SIGN:
        failed = sign(1) || tap_ok();
        break;
    case MALFORMED:
        failed = malformed_reports() || sign(1) || tap_ok();
        break;
    case UNPLUG:
        failed = sign(0.5);
        unplug();
        stopping = 1;
        break;
    }
    pthread_mutex_lock(&lock);
    signing_done = 1;
    pthread_mutex_unlock(&lock);
    say(failed ? "the host stopped reading" : "signed");
    return NULL;
}

// ---- ep0: FunctionFS events; class requests to our interface come as SETUP. ----

static void stall(const struct usb_ctrlrequest *setup) {
    // FunctionFS halts ep0 when the data stage is done in the wrong direction.
    if (setup->bRequestType & USB_DIR_IN) { if (read(ep0, NULL, 0) < 0) {} } else { if (write(ep0, NULL, 0) < 0) {} }
}

static void handle_setup(const struct usb_ctrlrequest *setup) {
    uint16_t value = le16toh(setup->wValue), length = le16toh(setup->wLength);
    uint8_t buffer[512];
    if (setup->bRequestType == 0xA1 && setup->bRequest == 0x01 && value >> 8 == 3) {  // GET_REPORT feature
        int n = feature_report((uint8_t)value, buffer);
        if (n < 0) { stall(setup); return; }
        if (write(ep0, buffer, n < length ? n : length) < 0) say("GET_REPORT reply: %s", strerror(errno));
    } else if (setup->bRequestType == 0x21 && setup->bRequest == 0x09 && value >> 8 == 3 && known_set_report((uint8_t)value)) {
        ssize_t n = read(ep0, buffer, length < sizeof buffer ? length : sizeof buffer);
        if (n < 0) { say("SET_REPORT data: %s", strerror(errno)); return; }
        set_report(buffer, (int)n);
    } else if (setup->bRequestType == 0x81 && setup->bRequest == USB_REQ_GET_DESCRIPTOR && value >> 8 == 0x22) {
        size_t n = sizeof report_descriptor < length ? sizeof report_descriptor : length;
        if (write(ep0, report_descriptor, n) < 0) say("report descriptor: %s", strerror(errno));
    } else if (setup->bRequestType == 0x21 && setup->bRequest == 0x0A) {  // SET_IDLE: accept
        if (read(ep0, buffer, 0) < 0) {}
    } else {
        stall(setup);
    }
}

static void on_signal(int signal) { (void)signal; stopping = 1; }

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: stu-gadget sign|unplug|malformed\n"); return 2; }
    if (!strcmp(argv[1], "sign")) scenario = SIGN;
    else if (!strcmp(argv[1], "unplug")) scenario = UNPLUG;
    else if (!strcmp(argv[1], "malformed")) scenario = MALFORMED;
    else { fprintf(stderr, "unknown scenario %s\n", argv[1]); return 2; }
    struct sigaction action = { .sa_handler = on_signal };  // no SA_RESTART: a blocked read returns EINTR
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    remove_gadget();  // leftovers of an earlier run
    fill_descriptors();
    int status = 1;
    if (create_gadget()) goto out;
    if ((ep0 = open(FFS_DIR "/ep0", O_RDWR)) < 0) { say("open ep0: %s", strerror(errno)); goto out; }
    if (write(ep0, &descriptors, sizeof descriptors) < 0) { say("descriptors: %s", strerror(errno)); goto out; }
    if (write(ep0, &strings, sizeof strings) < 0) { say("strings: %s", strerror(errno)); goto out; }
    if ((ep1 = open(FFS_DIR "/ep1", O_RDWR)) < 0) { say("open ep1: %s", strerror(errno)); goto out; }
    if (bind_udc()) goto out;

    pthread_t thread;
    pthread_create(&thread, NULL, citizen, NULL);
    status = 0;
    while (!stopping) {
        struct usb_functionfs_event events[4];
        ssize_t n = read(ep0, events, sizeof events);
        if (n < 0) {
            if (errno == EINTR) continue;
            // The host gave up on a request before we answered it (slow under TCG): FunctionFS reports
            // that once, and the next request is served as usual.
            if (errno == EIDRM) { say("ep0: a request was cancelled by the host"); continue; }
            say("ep0: %s", strerror(errno));
            break;
        }
        for (size_t i = 0; i < (size_t)n / sizeof events[0]; i++) {
            switch (events[i].type) {
            case FUNCTIONFS_ENABLE:
                pthread_mutex_lock(&lock); enabled = 1; pthread_cond_broadcast(&changed); pthread_mutex_unlock(&lock);
                break;
            case FUNCTIONFS_DISABLE:
                pthread_mutex_lock(&lock); enabled = 0; pthread_mutex_unlock(&lock);
                break;
            case FUNCTIONFS_SETUP:
                handle_setup(&events[i].u.setup);
                break;
            default:
                break;
            }
        }
        pthread_mutex_lock(&lock);
        if (cleared_after_ok == 1) { say("the host blanked the screen after OK"); cleared_after_ok = 2; }
        pthread_mutex_unlock(&lock);
    }
    stopping = 1;
    pthread_mutex_lock(&lock); pthread_cond_broadcast(&changed); pthread_mutex_unlock(&lock);
    remove_gadget();  // unbinding ends a blocked interrupt write
    ep0 = ep1 = -1;
    pthread_join(thread, NULL);
out:
    remove_gadget();
    return status;
}
