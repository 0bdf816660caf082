import Devices
import Platform
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The pieces `fotoboxctl devices` and `selftest` read the machine with.
@Suite("Device inventory")
struct DeviceInventoryTests {
    @Test func usbfsPathsArePaddedAsUdevNamesThem() {
        let pad = USBDeviceInfo(bus: 1, address: 4, vendorID: 0x056a, productID: 0x00a8, portPath: [1, 3])
        #expect(pad.usbfsPath == "/dev/bus/usb/001/004")
        #expect(USBDeviceInfo(bus: 12, address: 127, vendorID: 0, productID: 0, portPath: []).usbfsPath == "/dev/bus/usb/012/127")
        #expect(DeviceInventory.hex4(0x56a) == "056a" && DeviceInventory.hex4(0xa8) == "00a8")
    }

    @Test func aProcessHoldingACharacterDeviceIsNamed() throws {
        // This process holds /dev/null open; the scan never names the scanning process itself.
        let null = try FileDescriptor.open("/dev/null", O_RDONLY)
        let scan = OpenDeviceScan()
        try null.close()
        #expect(!scan.holders(of: "/dev/null").contains { $0.pid == Int(getpid()) })
        #expect(scan.holders(of: "/nonexistent").isEmpty)
        #expect(FileSystem.resolvedPath("/nonexistent") == nil)
        #expect(FileSystem.resolvedPath("/proc/self") == "/proc/\(getpid())")
    }

    @Test func theInventoryTableHasAHeaderAndARowPerDevice() {
        var inventory = DeviceInventory()
        #expect(inventory.tableRows == [["KIND", "DEVICE", "WHAT", "STATE"]])
        inventory.errors = ["x"]
        #expect(inventory.tableRows.count == 1)
    }

    @Test func theKernelClockAnswers() throws {
        let state = try KernelClock.synchronisation()
        #expect(state.estimatedErrorMicroseconds >= 0)
    }
}
