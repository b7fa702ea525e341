// Testbench for the generated sc_top: T enabled cycles; per cycle one line of sc_out.txt:
//   <K stream bits, source K-1 first> <mul> <xnor> <mux> <apc cnt> <apc total> <K raw values, hex>
// then one line "D c_0 ... c_{NOUT-1}" with the sc_dense counts.  Sampled on the falling edge.
`timescale 1ns/1ps
`default_nettype none

/* verilator lint_off DECLFILENAME */
module tb;
    parameter K = 3, NW = 2, CW = 16, NOUT = 1, T = 100;
    reg clk = 1'b0, rst = 1'b1;
    wire [K-1:0] s;
    wire [32*K-1:0] raw;
    wire mul, xnor_, mux;
    wire [NW-1:0] cnt;
    wire [CW-1:0] total;
    wire [NOUT*CW-1:0] dense;
    integer t, k, fd;

    sc_top dut (.clk(clk), .rst(rst), .en(!rst), .sb(s), .raw(raw), .mul(mul), .xnor_(xnor_), .mux(mux),
                .cnt(cnt), .total(total), .dense(dense));

    always #5 clk <= ~clk;

    initial begin
        fd = $fopen("sc_out.txt", "w");
        @(negedge clk);
        rst = 1'b0;
        for (t = 0; t < T; t = t + 1) begin
            $fwrite(fd, "%b %0d %0d %0d %0d %0d", s, mul, xnor_, mux, cnt, total);
            for (k = 0; k < K; k = k + 1) $fwrite(fd, " %h", raw[32 * k +: 32]);
            $fwrite(fd, "\n");
            @(negedge clk);
        end
        $fwrite(fd, "D");
        for (k = 0; k < NOUT; k = k + 1) $fwrite(fd, " %0d", dense[CW * k +: CW]);
        $fwrite(fd, "\n");
        $fclose(fd);
        $finish;
    end
endmodule

`default_nettype wire
