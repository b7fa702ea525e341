// Testbench for the generated snn_ev_top (event-driven core): loads the synapse table from
// syn.hex through the load port, then reads stim.txt ($readmemb, one line of M bits per step,
// channel 0 rightmost), runs T steps and writes out.txt: per step one line with the N spikes,
// the N membranes (signed decimal) and the cycle count of the step.  Inputs are driven and
// outputs sampled on the falling edge, so iverilog and verilator agree.
`timescale 1ns/1ps
`default_nettype none

/* verilator lint_off DECLFILENAME */
module tb;
    parameter N = 4, M = 1, W = 16, IDX_W = 2, T = 10, NSYN = 1, SYN_AW = 1, SYW = 8;
    reg clk = 1'b0, rst = 1'b1, start = 1'b0;
    reg [M-1:0] in_spk = {M{1'b0}};
    reg ld_en = 1'b0;
    reg [SYN_AW-1:0] ld_addr = {SYN_AW{1'b0}};
    reg [SYW-1:0] ld_data = {SYW{1'b0}};
    wire done, upd_valid, upd_spike;
    wire [IDX_W-1:0] upd_idx;
    wire signed [W-1:0] upd_v;
    wire [31:0] cycles;
    reg [M-1:0] stim [0:T-1];
    reg [SYW-1:0] synimg [0:NSYN-1];
    reg signed [W-1:0] vbuf [0:N-1];
    reg sbuf [0:N-1];
    integer t, k, fd;

    snn_ev_top dut (.clk(clk), .rst(rst), .start(start), .in_spk(in_spk), .ld_en(ld_en), .ld_addr(ld_addr),
                    .ld_data(ld_data), .done(done), .upd_valid(upd_valid), .upd_spike(upd_spike),
                    .upd_idx(upd_idx), .upd_v(upd_v), .cycles(cycles));

    always #5 clk <= ~clk;

    always @(negedge clk) begin
        if (upd_valid) begin
            vbuf[upd_idx] <= upd_v;
            sbuf[upd_idx] <= upd_spike;
        end
    end

    initial begin
        $readmemb("stim.txt", stim);
        $readmemh("syn.hex", synimg);
        fd = $fopen("out.txt", "w");
        @(negedge clk);
        @(negedge clk);
        rst = 1'b0;
        for (k = 0; k < NSYN; k = k + 1) begin
            ld_en = 1'b1;
            ld_addr = k[SYN_AW-1:0];
            ld_data = synimg[k];
            @(negedge clk);
        end
        ld_en = 1'b0;
        for (t = 0; t < T; t = t + 1) begin
            @(negedge clk);
            in_spk = stim[t];
            start = 1'b1;
            @(negedge clk);
            start = 1'b0;
            while (!done) @(negedge clk);
            for (k = 0; k < N; k = k + 1) $fwrite(fd, "%0d ", sbuf[k]);
            for (k = 0; k < N; k = k + 1) $fwrite(fd, "%0d ", vbuf[k]);
            $fwrite(fd, "%0d\n", cycles);
        end
        $fclose(fd);
        $finish;
    end
endmodule

`default_nettype wire
