// Testbench for the generated snn_top: reads stim.txt ($readmemb, one line of M bits per step,
// channel 0 rightmost), runs T steps and writes out.txt: per step one line with the N spikes
// then the N membranes (signed decimal).  Inputs are driven and outputs sampled on the falling
// edge, so iverilog and verilator agree.
`timescale 1ns/1ps
`default_nettype none

/* verilator lint_off DECLFILENAME */
module tb;
    parameter N = 4, M = 1, W = 16, IDX_W = 2, T = 10;
    reg clk = 1'b0, rst = 1'b1, start = 1'b0;
    reg [M-1:0] in_spk = {M{1'b0}};
    wire done, upd_valid, upd_spike;
    wire [IDX_W-1:0] upd_idx;
    wire signed [W-1:0] upd_v;
    reg [M-1:0] stim [0:T-1];
    reg signed [W-1:0] vbuf [0:N-1];
    reg sbuf [0:N-1];
    integer t, k, fd;

    snn_top dut (.clk(clk), .rst(rst), .start(start), .in_spk(in_spk), .done(done),
                 .upd_valid(upd_valid), .upd_spike(upd_spike), .upd_idx(upd_idx), .upd_v(upd_v));

    always #5 clk <= ~clk;

    always @(negedge clk) begin
        if (upd_valid) begin
            vbuf[upd_idx] <= upd_v;
            sbuf[upd_idx] <= upd_spike;
        end
    end

    initial begin
        $readmemb("stim.txt", stim);
        fd = $fopen("out.txt", "w");
        @(negedge clk);
        @(negedge clk);
        rst = 1'b0;
        for (t = 0; t < T; t = t + 1) begin
            @(negedge clk);
            in_spk = stim[t];
            start = 1'b1;
            @(negedge clk);
            start = 1'b0;
            while (!done) @(negedge clk);
            for (k = 0; k < N; k = k + 1) $fwrite(fd, "%0d ", sbuf[k]);
            for (k = 0; k < N; k = k + 1) $fwrite(fd, "%0d ", vbuf[k]);
            $fwrite(fd, "\n");
        end
        $fclose(fd);
        $finish;
    end
endmodule

`default_nettype wire
